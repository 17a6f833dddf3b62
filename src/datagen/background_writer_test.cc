#include "datagen/background_writer.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace shoal::datagen {
namespace {

// Records writes slowly, and fails the write numbered `fail_at` (0-based) when set.
class SlowSink : public Sink {
 public:
  Status Open(const std::string&) override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  Status Write(std::string_view bytes) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (writes_++ == fail_at) return Status::IoError("disk full");
    data += bytes;
    return Status::Ok();
  }
  std::string data;
  int fail_at = -1;

 private:
  int writes_ = 0;
};

TEST(BackgroundWriterTest, WritesInOrderWhileTheCallerAlternatesBuffers) {
  SlowSink sink;
  std::string expected;
  {
    BackgroundWriter writer(sink);
    std::string buffers[2];
    for (int i = 0; i < 50; ++i) {
      std::string& buffer = buffers[i % 2];
      buffer = "chunk" + std::to_string(i) + ";";  // reuses the buffer written two steps ago
      expected += buffer;
      ASSERT_TRUE(writer.Submit(buffer).ok());
    }
    ASSERT_TRUE(writer.Wait().ok());
    EXPECT_EQ(sink.data, expected);
  }
}

TEST(BackgroundWriterTest, ReportsTheFirstErrorAndStopsAcceptingWork) {
  SlowSink sink;
  sink.fail_at = 1;
  BackgroundWriter writer(sink);
  const std::string a = "a", b = "b", c = "c";
  EXPECT_TRUE(writer.Submit(a).ok());
  EXPECT_TRUE(writer.Submit(b).ok());  // accepted; it is the write that fails
  const Status status = writer.Submit(c);
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_EQ(status.message(), "disk full");
  EXPECT_EQ(writer.Wait().message(), "disk full");
  EXPECT_EQ(sink.data, "a");
}

TEST(BackgroundWriterTest, DestructorFinishesTheWriteInFlight) {
  SlowSink sink;
  const std::string data = "last";
  {
    BackgroundWriter writer(sink);
    ASSERT_TRUE(writer.Submit(data).ok());
  }
  EXPECT_EQ(sink.data, "last");
}

}  // namespace
}  // namespace shoal::datagen
