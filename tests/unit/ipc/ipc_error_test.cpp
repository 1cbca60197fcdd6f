#include <gtest/gtest.h>

#include <conduit/ipc/ipc_error.hpp>
#include <string>

namespace conduit::ipc {
namespace {

TEST(IpcErrorTest, ValidateNameSaysWhichRuleANameBreaks) {
  EXPECT_TRUE(validate_name("/jobs"));
  EXPECT_TRUE(validate_name("/a"));
  EXPECT_TRUE(validate_name("/" + std::string(max_name_length, 'x')));
  EXPECT_EQ(validate_name("").error(), ipc_errc::name_empty);
  EXPECT_EQ(validate_name("/").error(), ipc_errc::name_empty);
  EXPECT_EQ(validate_name("jobs").error(), ipc_errc::name_not_absolute);
  EXPECT_EQ(validate_name("/a/b").error(), ipc_errc::name_has_slash);
  EXPECT_EQ(validate_name("//").error(), ipc_errc::name_has_slash);
  EXPECT_EQ(validate_name("/.").error(), ipc_errc::name_invalid);
  EXPECT_EQ(validate_name("/..").error(), ipc_errc::name_invalid);
  EXPECT_EQ(validate_name(std::string_view("/a\0b", 4)).error(), ipc_errc::name_invalid);
  EXPECT_EQ(validate_name("/" + std::string(max_name_length + 1, 'x')).error(),
            ipc_errc::name_too_long);
  EXPECT_TRUE(validate_name("/" + std::string(255, 'x'), 255));
}

TEST(IpcErrorTest, CodesMapToPortableConditions) {
  EXPECT_EQ(make_error_code(ipc_errc::name_has_slash), std::errc::invalid_argument);
  EXPECT_EQ(make_error_code(ipc_errc::name_too_long), std::errc::filename_too_long);
  EXPECT_EQ(make_error_code(ipc_errc::mq_msg_max_exceeded), std::errc::invalid_argument);
  EXPECT_EQ(make_error_code(ipc_errc::mq_queues_max_exceeded), std::errc::no_space_on_device);
  EXPECT_EQ(make_error_code(ipc_errc::mq_bytes_limit_exceeded), std::errc::too_many_files_open);
  EXPECT_EQ(make_error_code(ipc_errc::buffer_too_small), std::errc::message_size);
  EXPECT_EQ(make_error_code(ipc_errc::size_mismatch), std::errc::bad_message);
  EXPECT_STREQ(ipc_category().name(), "conduit.ipc");
  std::error_code ec = ipc_errc::name_not_absolute;  // implicit, as an error-code enum
  EXPECT_EQ(ec.category(), ipc_category());
}

TEST(IpcErrorTest, MessagesNameTheLimitAndWhereToRaiseIt) {
  std::string m = make_error_code(ipc_errc::mq_msg_max_exceeded).message();
  EXPECT_NE(m.find("/proc/sys/fs/mqueue/msg_max ("), std::string::npos) << m;
  EXPECT_NE(m.find("sysctl fs.mqueue.msg_max"), std::string::npos) << m;
  m = make_error_code(ipc_errc::mq_msgsize_max_exceeded).message();
  EXPECT_NE(m.find("/proc/sys/fs/mqueue/msgsize_max"), std::string::npos) << m;
  m = make_error_code(ipc_errc::mq_queues_max_exceeded).message();
  EXPECT_NE(m.find("queues_max"), std::string::npos) << m;
  m = make_error_code(ipc_errc::mq_bytes_limit_exceeded).message();
  EXPECT_NE(m.find("RLIMIT_MSGQUEUE"), std::string::npos) << m;
  EXPECT_NE(make_error_code(ipc_errc::name_has_slash).message().find("'/'"), std::string::npos);
  EXPECT_NE(std::error_code(999, ipc_category()).message().find("999"), std::string::npos);
}

}  // namespace
}  // namespace conduit::ipc
