#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/message_queue.hpp>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

std::string test_name() { return "/" + test::unique_name("conduit_test"); }

// Unlinks the queue at the end of the test, whatever happened.
struct name_guard {
  std::string name;
  ~name_guard() { (void)message_queue::unlink(name); }
};

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }
std::string text(std::span<const std::byte> b, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(b.data()), n);
}

long proc_long(const char* path) {
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return -1;
  long v = -1;
  if (std::fscanf(f, "%ld", &v) != 1) v = -1;
  std::fclose(f);
  return v;
}

struct job {
  int id;
  double weight;
};

// Child: opens the queue named arg and sends "from child" with priority 7, then a job.
const bool child_sender = test::register_child("mq_child_sender", [](std::string_view arg) {
  auto q = message_queue::open(arg, message_queue::access::write_only);
  if (!q) return 2;
  if (!q->send(bytes("from child"), 7, deadline::after(10s))) return 3;
  if (!q->send_value(job{42, 1.5}, 1, deadline::after(10s))) return 4;
  return 0;
});

TEST(MessageQueueTest, ReceivesByPriorityThenFifo) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 8, .message_size = 64});
  ASSERT_TRUE(q) << q.error().message();
  ASSERT_TRUE(q->send(bytes("low"), 1));
  ASSERT_TRUE(q->send(bytes("high-a"), 5));
  ASSERT_TRUE(q->send(bytes("mid"), 3));
  ASSERT_TRUE(q->send(bytes("high-b"), 5));
  std::vector<std::byte> buf(64);
  const char* want[] = {"high-a", "high-b", "mid", "low"};
  unsigned prio[] = {5, 5, 3, 1};
  for (int i = 0; i < 4; ++i) {
    auto r = q->receive(buf, deadline::after(5s));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(text(buf, r->size), want[i]);
    EXPECT_EQ(r->priority, prio[i]);
  }
}

TEST(MessageQueueTest, CreatedWithMode0600CloseOnExecAndAttributes) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 4, .message_size = 128});
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->created());
  EXPECT_EQ(q->name(), g.name);
  struct stat st {};
  ASSERT_EQ(::fstat(q->fd(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(::fcntl(q->fd(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(q->fd(), F_GETFL) & O_NONBLOCK, 0);
  ASSERT_TRUE(q->send(bytes("x")));
  auto a = q->get_attributes();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->max_messages, 4);
  EXPECT_EQ(a->message_size, 128);
  EXPECT_EQ(a->current_messages, 1);
  EXPECT_EQ(q->message_size(), 128);
}

TEST(MessageQueueTest, ZeroAttributesMeanTheSystemDefaults) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name);
  ASSERT_TRUE(q) << q.error().message();
  auto a = q->get_attributes();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->max_messages, proc_long("/proc/sys/fs/mqueue/msg_default"));
  EXPECT_EQ(a->message_size, proc_long("/proc/sys/fs/mqueue/msgsize_default"));
}

TEST(MessageQueueTest, CreateIsExclusiveOpenOrCreateIsNot) {
  name_guard g{test_name()};
  auto a = message_queue::open_or_create(g.name, {.max_messages = 2, .message_size = 16});
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->created());
  EXPECT_EQ(message_queue::create(g.name, {.max_messages = 2, .message_size = 16}).error(),
            std::errc::file_exists);
  auto b = message_queue::open_or_create(g.name, {.max_messages = 5, .message_size = 99});
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->created());
  EXPECT_EQ(b->message_size(), 16);  // the existing queue's
}

TEST(MessageQueueTest, LimitsOfProcSysFsMqueueAreReportedClearly) {
  long msg_max = proc_long("/proc/sys/fs/mqueue/msg_max");
  long msgsize_max = proc_long("/proc/sys/fs/mqueue/msgsize_max");
  ASSERT_GT(msg_max, 0);
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = msg_max + 1, .message_size = 16});
  if (q) GTEST_SKIP() << "this process may exceed msg_max (CAP_SYS_RESOURCE)";
  EXPECT_EQ(q.error(), ipc_errc::mq_msg_max_exceeded);
  EXPECT_EQ(q.error(), std::errc::invalid_argument);
  EXPECT_NE(q.error().message().find("/proc/sys/fs/mqueue/msg_max (" + std::to_string(msg_max)),
            std::string::npos)
      << q.error().message();
  auto r = message_queue::create(g.name, {.max_messages = 1, .message_size = msgsize_max + 1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ipc_errc::mq_msgsize_max_exceeded);
  EXPECT_NE(r.error().message().find("msgsize_max"), std::string::npos);
  EXPECT_EQ(message_queue::create(g.name, {.max_messages = -1}).error(),
            std::errc::invalid_argument);
}

// Child: lowers RLIMIT_MSGQUEUE, then asks for a queue above it; exits 0 if the error says so.
const bool child_rlimit = test::register_child("mq_child_rlimit", [](std::string_view arg) {
  rlimit rl{1024, 1024};
  if (::setrlimit(RLIMIT_MSGQUEUE, &rl) != 0) return 2;
  auto q = message_queue::create(arg, {.max_messages = 4, .message_size = 4096});
  if (q) {
    (void)message_queue::unlink(arg);
    return 3;
  }
  if (q.error() != ipc_errc::mq_bytes_limit_exceeded) return 4;
  if (q.error().message().find("RLIMIT_MSGQUEUE") == std::string::npos) return 5;
  return 0;
});

TEST(MessageQueueTest, TheUsersByteLimitIsReportedClearly) {
  name_guard g{test_name()};
  auto c = test::child_process::spawn("mq_child_rlimit", g.name);
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(c.wait(deadline::after(20s)), 0);
}

TEST(MessageQueueTest, BadNamesAreRefused) {
  EXPECT_EQ(message_queue::create("jobs").error(), ipc_errc::name_not_absolute);
  EXPECT_EQ(message_queue::open("/a/b").error(), ipc_errc::name_has_slash);
  EXPECT_EQ(message_queue::open("").error(), ipc_errc::name_empty);
  EXPECT_EQ(message_queue::open("/" + std::string(256, 'q')).error(), ipc_errc::name_too_long);
  EXPECT_EQ(message_queue::unlink("/x/").error(), ipc_errc::name_has_slash);
}

TEST(MessageQueueTest, OpenOfAMissingQueueAndUnlink) {
  std::string name = test_name();
  EXPECT_EQ(message_queue::open(name).error(), std::errc::no_such_file_or_directory);
  auto q = message_queue::create(name, {.max_messages = 1, .message_size = 8});
  ASSERT_TRUE(q);
  ASSERT_TRUE(message_queue::unlink(name));
  EXPECT_EQ(message_queue::open(name).error(), std::errc::no_such_file_or_directory);
  EXPECT_TRUE(q->send(bytes("still")));  // the open descriptor keeps working
  EXPECT_EQ(message_queue::unlink(name).error(), std::errc::no_such_file_or_directory);
}

TEST(MessageQueueTest, TooLargeAMessageIsRefusedAndNothingIsSent) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 2, .message_size = 8});
  ASSERT_TRUE(q);
  auto r = q->send(bytes("123456789"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::message_too_large);
  EXPECT_EQ(q->get_attributes()->current_messages, 0);
  EXPECT_TRUE(q->send(bytes("12345678")));
}

TEST(MessageQueueTest, TooSmallABufferLosesNoMessage) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 2, .message_size = 32});
  ASSERT_TRUE(q);
  ASSERT_TRUE(q->send(bytes("hi")));
  std::byte small[8];
  auto r = q->receive(small, deadline::after(1s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ipc_errc::buffer_too_small);
  EXPECT_EQ(q->try_receive(small).error(), ipc_errc::buffer_too_small);
  std::byte buf[32];
  auto ok = q->receive(buf, deadline::after(1s));
  ASSERT_TRUE(ok);
  EXPECT_EQ(text(buf, ok->size), "hi");
}

TEST(MessageQueueTest, TryFormsSayWouldBlock) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 1, .message_size = 8});
  ASSERT_TRUE(q);
  std::byte buf[8];
  EXPECT_EQ(q->try_receive(buf).error(), errc::would_block);
  ASSERT_TRUE(q->try_send(bytes("a"), 2));
  EXPECT_EQ(q->try_send(bytes("b")).error(), errc::would_block);
  auto r = q->try_receive(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->priority, 2u);
}

TEST(MessageQueueTest, DeadlinesBoundReceiveAndSend) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 1, .message_size = 8});
  ASSERT_TRUE(q);
  std::byte buf[8];
  auto start = clock::now();
  auto r = q->receive(buf, deadline::after(50ms));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_LT(clock::now() - start, 50ms + test::kSlack);
  EXPECT_EQ(q->receive(buf, deadline::past()).error(), errc::timeout);

  ASSERT_TRUE(q->send(bytes("full")));
  start = clock::now();
  auto s = q->send(bytes("more"), 0, deadline::after(50ms));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_EQ(q->get_attributes()->current_messages, 1);
}

TEST(MessageQueueTest, CloseWakesAWaitingReceiveWithClosed) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 1, .message_size = 8});
  ASSERT_TRUE(q);
  std::atomic<bool> started{false};
  std::error_code got;
  test::scoped_thread t([&] {
    std::byte buf[8];
    started = true;
    auto r = q->receive(buf, deadline::after(20s));
    got = r ? std::error_code() : r.error();
  });
  while (!started) std::this_thread::yield();
  // Let it reach its wait; the outcome is errc::closed whether or not it got there.
  std::this_thread::sleep_for(20ms);
  auto start = clock::now();
  ASSERT_TRUE(q->close());
  t.join();
  EXPECT_EQ(got, errc::closed);
  EXPECT_LT(clock::now() - start, test::kSlack);
  std::byte buf[8];
  EXPECT_EQ(q->receive(buf).error(), errc::closed);
  EXPECT_EQ(q->send(bytes("x")).error(), errc::closed);
  EXPECT_EQ(q->close().error(), errc::closed);
  EXPECT_FALSE(q->is_open());
}

TEST(MessageQueueTest, AnEmptyObjectIsClosed) {
  message_queue q;
  std::byte buf[8];
  EXPECT_EQ(q.receive(buf).error(), errc::closed);
  EXPECT_EQ(q.send(bytes("x")).error(), errc::closed);
  EXPECT_EQ(q.get_attributes().error(), errc::closed);
  EXPECT_EQ(q.message_size(), 0);
  EXPECT_EQ(q.fd(), -1);
}

TEST(MessageQueueTest, TypedValuesRoundTripAndSizesAreChecked) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 4, .message_size = 64});
  ASSERT_TRUE(q);
  ASSERT_TRUE(q->send_value(job{7, 2.5}, 4));
  unsigned prio = 0;
  auto v = q->receive_value<job>(deadline::after(1s), &prio);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->id, 7);
  EXPECT_EQ(v->weight, 2.5);
  EXPECT_EQ(prio, 4u);

  EXPECT_EQ(q->try_receive_value<job>().error(), errc::would_block);
  ASSERT_TRUE(q->try_send_value(job{8, 0.5}));
  EXPECT_EQ(q->try_receive_value<job>()->id, 8);

  ASSERT_TRUE(q->send(bytes("abc")));
  EXPECT_EQ(q->receive_value<job>(deadline::after(1s)).error(), ipc_errc::size_mismatch);

  struct big {
    char b[100];
  };
  EXPECT_EQ(q->send_value(big{}).error(), errc::message_too_large);
  EXPECT_EQ(q->receive_value<big>(deadline::after(1s)).error(), ipc_errc::size_mismatch);
}

TEST(MessageQueueTest, AnotherProcessSendsToAWaitingReceiver) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 2, .message_size = 64});
  ASSERT_TRUE(q);
  auto c = test::child_process::spawn("mq_child_sender", g.name);
  ASSERT_TRUE(c.valid());
  std::byte buf[64];
  auto r = q->receive(buf, deadline::after(20s));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(text(buf, r->size), "from child");
  EXPECT_EQ(r->priority, 7u);
  auto v = q->receive_value<job>(deadline::after(20s));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->id, 42);
  EXPECT_EQ(c.wait(deadline::after(20s)), 0);
}

TEST(MessageQueueTest, ManySendersAndReceiversThroughASmallQueue) {
  name_guard g{test_name()};
  auto q = message_queue::create(g.name, {.max_messages = 3, .message_size = 8});
  ASSERT_TRUE(q);
  constexpr int kSenders = 3, kPerSender = 300, kReceivers = 2;
  std::atomic<long> sum{0}, count{0};
  std::vector<std::thread> ts;
  for (int s = 0; s < kSenders; ++s) {
    ts.emplace_back([&, s] {
      for (int i = 1; i <= kPerSender; ++i) {
        int v = s * 1000 + i;
        ASSERT_TRUE(q->send_value(v, static_cast<unsigned>(i % 3), deadline::after(20s)));
      }
    });
  }
  for (int r = 0; r < kReceivers; ++r) {
    ts.emplace_back([&] {
      while (count.load() < kSenders * kPerSender) {
        auto v = q->receive_value<int>(deadline::after(200ms));
        if (!v) {
          ASSERT_EQ(v.error(), errc::timeout);
          continue;
        }
        sum += *v;
        ++count;
      }
    });
  }
  for (auto& t : ts) t.join();
  long want = 0;
  for (int s = 0; s < kSenders; ++s) {
    for (int i = 1; i <= kPerSender; ++i) want += s * 1000 + i;
  }
  EXPECT_EQ(count.load(), kSenders * kPerSender);
  EXPECT_EQ(sum.load(), want);
}

}  // namespace
}  // namespace conduit::ipc
