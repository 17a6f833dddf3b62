// Waiting for a submitted job to finish, for `shoal job run`: long-polls the job's history (the
// orchestrator answers as soon as an event is recorded, so the end is seen at once), optionally
// shows a live one-line progress (progress_line.h) and streams
// history events as they happen.
//
// Thread-safety: each call is independent; the streams are written by the calling thread only.
#pragma once

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "api/api_client.h"
#include "common/status.h"
#include "models/event.h"
#include "models/execution.h"
#include "models/job.h"

namespace shoal::cli {

struct WaitOptions {
  // The longest one long-poll waits: how often the timeout is looked at when nothing happens.
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::seconds timeout{600};
  // A live progress line on `progress_out`, redrawn in place: only for a terminal.
  bool show_progress = false;
  std::ostream* progress_out = &std::cerr;
  // Every history event of the job, one line each, as it happens (`--follow`).
  bool follow_events = false;
  // Only the events of this job version (0: every version's, e.g. a resubmitted Name's older
  // versions too).
  int64_t job_version = 0;
  std::ostream* events_out = &std::cerr;
  // Where "reconnecting" and "reconnected" are said when the orchestrator cannot be reached
  // for a while (it restarts): the wait goes on until `timeout`.
  std::ostream* notice_out = &std::cerr;
};

// Waits until the job is Completed, Failed or Stopped and returns it as it is then. After
// `options.timeout` the result is kDeadlineExceeded naming the job and its state (the job keeps
// running). While the orchestrator cannot be reached (kUnavailable: it restarts, the network
// blinks), the wait retries with a backoff up to 2 s, saying so once on `notice_out`; still
// unreachable at the timeout, that error is returned. Other API errors are returned as they come.
Result<models::Job> WaitForJob(const api::ApiClient& client, const std::string& job_id,
                               const WaitOptions& options);

// Submits `job` for a `job run` that waits. When the orchestrator goes away after the request
// went out (killed mid-request: the answer is lost, the job may have been taken), the submission
// is sent again as a wait would retry, until `options.timeout`; a "no changes" answer then means
// the lost one was taken, and that job (found by its Name) is returned. An orchestrator not
// reached on the first try fails at once, as any call does; other errors are returned as they
// come.
Result<api::SubmitResponse> SubmitForWait(const api::ApiClient& client, const models::Job& job,
                                          bool force, const WaitOptions& options);

// "12:03:04.123 Scheduling e-1234abcd: partition 0 assigned to compute-us-1".
std::string EventLine(const models::Event& event);

// "job j-... failed: <the job's state message>" (or "was stopped") for a job that ended without
// completing.
Status JobEndedBadly(const models::Job& job);

}  // namespace shoal::cli
