#include "engine/database_pool.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"

namespace shoal::engine {
namespace {

// Waits until the pool has `spare` instances ready (its thread starts them).
bool WaitForSpares(const DatabasePool& pool, int64_t spare) {
  for (int i = 0; i < 1000; ++i) {
    if (pool.counts().spare >= spare) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

SessionOptions WithPool(std::shared_ptr<DatabasePool> pool) {
  SessionOptions options;
  options.pool = std::move(pool);
  return options;
}

// Each session gets an instance of its own: what one session made, the next never sees.
TEST(DatabasePoolTest, ReadyInstancesServeOneSessionEach) {
  auto pool = std::make_shared<DatabasePool>(1);
  ASSERT_TRUE(WaitForSpares(*pool, 1));
  {
    auto first = Session::Open(WithPool(pool));
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_EQ(pool->counts().ready, 1);
    ASSERT_TRUE((*first)->Query("CREATE TABLE made_here AS SELECT 42 AS answer").ok());
    auto answer = (*first)->Query("SELECT answer FROM made_here");
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->Text(0, 0), "42");
  }
  ASSERT_TRUE(WaitForSpares(*pool, 1));  // started again after the take
  auto second = Session::Open(WithPool(pool));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(pool->counts().ready, 2);
  auto missing = (*second)->Query("SELECT answer FROM made_here");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("made_here"), std::string::npos)
      << missing.status().message();
}

// With nothing ready (no spares), a session starts its own instance and works as ever.
TEST(DatabasePoolTest, WithoutASpareTheSessionStartsItsOwn) {
  auto pool = std::make_shared<DatabasePool>(0);
  auto session = Session::Open(WithPool(pool));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(pool->counts().started, 1);
  EXPECT_EQ(pool->counts().ready, 0);
  auto one = (*session)->Query("SELECT 1 + 1");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->Text(0, 0), "2");
}

// A sandboxed session on a ready instance is locked exactly like one that started its own.
TEST(DatabasePoolTest, ASandboxedSessionFromThePoolIsLocked) {
  namespace fs = std::filesystem;
  const shoal::testing::TempDir dir("pool");
  fs::create_directories(dir / "data");
  auto pool = std::make_shared<DatabasePool>(1);
  ASSERT_TRUE(WaitForSpares(*pool, 1));
  SessionOptions options = WithPool(pool);
  options.sandboxed = true;
  options.path_mappings = {{"/data", (dir / "data").string()}};
  auto session = Session::Open(options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(pool->counts().ready, 1);
  auto outside = (*session)->Query("SELECT * FROM read_text('/etc/hostname')");
  EXPECT_FALSE(outside.ok());
  auto setting = (*session)->Query("SET threads = 1");
  EXPECT_FALSE(setting.ok());
  session->reset();
}

}  // namespace
}  // namespace shoal::engine
