#include "engine/functions/register.h"

namespace shoal::engine {

void RegisterShoalFunctions(duckdb::Connection& connection,
                            const std::shared_ptr<SessionState>& state) {
  connection.BeginTransaction();
  auto& context = *connection.context;
  RegisterBelongsToPartition(context, state);
  RegisterPartitionByHash(context, state);
  RegisterPartitionByRegex(context, state);
  RegisterPartitionByDate(context, state);
  RegisterShoalTable(context, state);
  connection.Commit();
}

}  // namespace shoal::engine
