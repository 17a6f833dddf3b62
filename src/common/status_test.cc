#include "common/status.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Status::InvalidArgument("must be positive");
  return v;
}

Result<int> Doubled(int v) {
  SHOAL_ASSIGN_OR_RETURN(int parsed, ParsePositive(v));
  return parsed * 2;
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndContext) {
  Status s = Status::NotFound("no such job j-1").WithContext("job describe");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.ToString(), "not found: job describe: no such job j-1");
  EXPECT_EQ(HttpStatusFor(s.code()), 404);
}

TEST(ResultTest, ValueOrStatusPropagates) {
  EXPECT_EQ(Doubled(4).value(), 8);
  auto bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "must be positive");
}

}  // namespace
TEST(StatusTest, HttpStatusesMapBackToTheirCodes) {
  for (ErrorCode code :
       {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kAlreadyExists,
        ErrorCode::kFailedPrecondition, ErrorCode::kPermissionDenied, ErrorCode::kUnauthenticated,
        ErrorCode::kResourceExhausted, ErrorCode::kUnavailable, ErrorCode::kDeadlineExceeded,
        ErrorCode::kCancelled}) {
    EXPECT_EQ(ErrorCodeForHttpStatus(HttpStatusFor(code), ErrorCode::kInternal), code);
  }
  EXPECT_EQ(ErrorCodeForHttpStatus(413, ErrorCode::kInternal), ErrorCode::kResourceExhausted);
  EXPECT_EQ(ErrorCodeForHttpStatus(500, ErrorCode::kIoError), ErrorCode::kIoError);
  EXPECT_EQ(ErrorCodeForHttpStatus(302, ErrorCode::kInternal), ErrorCode::kInternal);
}

}  // namespace shoal
