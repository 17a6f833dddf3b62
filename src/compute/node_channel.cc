#include "compute/node_channel.h"

#include <thread>

namespace shoal::compute {

using transport::UrlEncode;

NodeChannel::NodeChannel(const transport::Endpoint& orchestrator,
                         transport::HttpClient::Options options, std::string node_id,
                         std::chrono::milliseconds retry_delay, const std::atomic<bool>& stopping)
    : node_id_(std::move(node_id)),
      retry_delay_(retry_delay),
      stopping_(stopping),
      client_(orchestrator, options),
      poll_client_(orchestrator, options) {}

template <typename Send>
auto NodeChannel::Retrying(const Send& send) -> decltype(send()) {
  while (true) {
    auto answer = send();
    if (answer.ok() || answer.code() != ErrorCode::kUnavailable || stopping_) return answer;
    Pause();
  }
}

void NodeChannel::Pause() const {
  // Short steps, so a stopping node does not wait out a whole delay.
  constexpr auto kStep = std::chrono::milliseconds(20);
  for (auto waited = std::chrono::milliseconds(0); waited < retry_delay_ && !stopping_;
       waited += kStep) {
    std::this_thread::sleep_for(std::min(kStep, retry_delay_ - waited));
  }
}

Result<models::RegisterAnswer> NodeChannel::Register(const models::Node& node) {
  SHOAL_ASSIGN_OR_RETURN(auto answer, client_.Post(models::RegisterPath(),
                                                   models::ToJson(models::RegisterRequest{node})));
  return models::RegisterAnswerFromJson(answer);
}

Result<bool> NodeChannel::Heartbeat(const std::vector<std::string>& running,
                                    const std::map<std::string, models::ExecutionStats>& progress) {
  SHOAL_ASSIGN_OR_RETURN(
      auto answer, client_.Post(models::HeartbeatPath(), models::ToJson(models::HeartbeatRequest{
                                                             node_id_, running, progress})));
  SHOAL_ASSIGN_OR_RETURN(models::HeartbeatAnswer heartbeat,
                         models::HeartbeatAnswerFromJson(answer));
  return heartbeat.known;
}

Result<models::Work> NodeChannel::PollWork(std::chrono::milliseconds wait) {
  SHOAL_ASSIGN_OR_RETURN(auto answer,
                         poll_client_.Get(models::WorkPath() + "?node_id=" + UrlEncode(node_id_) +
                                          "&wait_ms=" + std::to_string(wait.count())));
  return models::WorkFromJson(answer);
}

Result<models::ExecutionComputeState> NodeChannel::ExecutionState(const std::string& execution_id) {
  SHOAL_ASSIGN_OR_RETURN(auto answer,
                         client_.Get(models::NodeExecutionPath(UrlEncode(execution_id)) +
                                     "?node_id=" + UrlEncode(node_id_)));
  SHOAL_ASSIGN_OR_RETURN(models::NodeExecutionAnswer held,
                         models::NodeExecutionAnswerFromJson(answer));
  return held.state;
}

Status NodeChannel::PostRetrying(const std::string& path, const transport::Json& body) {
  return Retrying([&] {
    auto answer = client_.Post(path, body);
    return answer.ok() ? Status::Ok() : answer.status();
  });
}

Status NodeChannel::ReportStatus(const std::string& execution_id, models::StatusReport report) {
  report.node_id = node_id_;
  return PostRetrying(models::ExecutionStatusPath(UrlEncode(execution_id)), models::ToJson(report));
}

void NodeChannel::ReportProgress(const std::string& execution_id, const std::string& topic,
                                 const std::string& message) {
  models::StatusReport report{node_id_,     models::ExecutionComputeState::kRunning,
                              topic,        message,
                              std::nullopt, std::nullopt,
                              std::nullopt};
  (void)client_.Post(models::ExecutionStatusPath(UrlEncode(execution_id)), models::ToJson(report));
}

Status NodeChannel::UploadResultFile(const std::string& execution_id, const std::string& path,
                                     const std::string& bytes, const std::string& fetch_id) {
  std::string url =
      models::ResultFilePath(UrlEncode(execution_id), transport::UrlEncodePath(path)) +
      "?node_id=" + UrlEncode(node_id_);
  if (!fetch_id.empty()) url += "&fetch_id=" + UrlEncode(fetch_id);
  return Retrying([&] { return client_.PutBytes(url, bytes); });
}

Status NodeChannel::EndFetch(const std::string& fetch_id, const std::string& error) {
  return PostRetrying(models::FetchEndPath(UrlEncode(fetch_id)),
                      models::ToJson(models::TaskEnd{node_id_, error}));
}

Status NodeChannel::EndStoreTask(const std::string& task_id, const std::string& error) {
  return PostRetrying(models::StoreTaskEndPath(UrlEncode(task_id)),
                      models::ToJson(models::TaskEnd{node_id_, error}));
}

void NodeChannel::Shutdown() { poll_client_.Shutdown(); }

}  // namespace shoal::compute
