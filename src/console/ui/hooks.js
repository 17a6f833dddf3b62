// Hooks of the console: live data polled from the API.
import {useEffect, useRef, useState} from './vendor/preact-htm.js';

// Calls `load()` now and every `intervalMs` while the component is mounted and `live(data)` holds;
// once it stops holding (a job reached a terminal state) one last load runs, so nothing that
// happened just before the end is missed, then polling stops. Returns {data, error, reload}.
export function usePoll(load, intervalMs, deps = [], live = () => true) {
  const [state, setState] = useState({data: undefined, error: undefined});
  const generation = useRef(0);
  // The latest closures, so a poll started earlier sees what the page knows now.
  const latest = useRef({load, live});
  latest.current = {load, live};
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const mine = ++generation.current;
    let timer;
    let stopped = false;
    const run = async (last) => {
      let data;
      try {
        data = await latest.current.load();
        if (generation.current !== mine || stopped) return;
        setState({data, error: undefined});
      } catch (error) {
        if (generation.current !== mine || stopped) return;
        setState((old) => ({data: old.data, error}));
      }
      if (last) return;
      const keepGoing = data === undefined || latest.current.live(data);
      timer = setTimeout(() => run(!keepGoing), keepGoing ? intervalMs : 0);
    };
    run(false);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return {...state, reload: () => setTick((t) => t + 1)};
}

// The current time, refreshed every second (for "3 s ago").
export function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
