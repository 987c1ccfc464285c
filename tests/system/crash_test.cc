// Kills a child process that enrols in a loop with SIGKILL at random moments; after each kill the
// store must open, the audit chain must verify, and every enrolment the child reported as
// committed must be there with its template readable.
//
// The test waits on the child's progress, never on the clock: the child writes one line to a pipe
// per acknowledged enrolment, and the parent kills it once it has read a random number of them
// (so every round kills a child that has committed several enrolments, however slow or loaded
// the machine). A deadline only catches a child that makes no progress at all.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../support/postgres_server.h"
#include "../support/test_engine.h"
#include "abis/system/abis_system.h"

namespace abis {
namespace {

using Clock = std::chrono::steady_clock;

// Fails a round only when the child acknowledges nothing for this long (start-up included): far
// beyond a slow enrolment under the sanitizers on a loaded machine, well inside the test timeout.
constexpr auto kNoProgressLimit = std::chrono::seconds(90);

[[noreturn]] void EnrolForever(const std::filesystem::path& store_dir, int pipe_fd, int round, std::int64_t user_id) {
  testing::TestEngine engine;
  auto system = AbisSystem::Open(store_dir, [&](Modality) -> Result<const ModalityEngine*> {
    return static_cast<const ModalityEngine*>(&engine);
  });
  if (!system.ok()) _exit(3);
  Operator admin{user_id, "crash-admin", Role::kAdmin};
  Operator enroller{user_id + 1, "crash-enroller", Role::kEnroller};
  for (int i = 0;; ++i) {
    Person person;
    person.external_id = fmt::format("r{}-{}", round, i);
    person.legal_basis = "test";
    person.retention_until = "2099-01-01";
    if (!(*system)->AddPerson(admin, person).ok()) _exit(4);
    EnrolRequest request;
    request.person = person.external_id;
    request.sample.bytes = testing::RandomSample(static_cast<std::uint32_t>(round * 100000 + i), 512);
    if (!(*system)->Enrol(enroller, request).ok()) _exit(5);
    // Acknowledged only now, after Enrol returned: from here on the enrolment must survive.
    std::string line = person.external_id + "\n";
    if (write(pipe_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
  }
}

// The acknowledgements one child writes to its pipe, read as they arrive.
class Acknowledgements {
 public:
  explicit Acknowledgements(int fd) : fd_(fd) {}
  ~Acknowledgements() { close(fd_); }
  Acknowledgements(const Acknowledgements&) = delete;
  Acknowledgements& operator=(const Acknowledgements&) = delete;

  enum class Wait { kReached, kChildClosedThePipe, kNoProgress, kTimedOut };

  // Reads until `count` acknowledgements have arrived. Fails with kNoProgress when none arrives for
  // `no_progress_limit`, and with kTimedOut when `until` (optional) passes first.
  Wait WaitFor(std::size_t count, Clock::duration no_progress_limit,
               Clock::time_point until = Clock::time_point::max()) {
    auto last_progress = Clock::now();
    while (ids_.size() < count) {
      const auto now = Clock::now();
      if (now >= until) return Wait::kTimedOut;
      if (now - last_progress >= no_progress_limit) return Wait::kNoProgress;
      const auto left = std::min(until - now, no_progress_limit - (now - last_progress));
      pollfd entry{fd_, POLLIN, 0};
      const int ready = poll(&entry, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
      if (ready < 0 && errno != EINTR) return Wait::kChildClosedThePipe;
      if (ready <= 0) continue;
      const std::size_t before = ids_.size();
      if (!ReadSome()) return ids_.size() >= count ? Wait::kReached : Wait::kChildClosedThePipe;
      if (ids_.size() > before) last_progress = Clock::now();
    }
    return Wait::kReached;
  }

  // Once the child is dead: everything else it wrote before it died.
  void Drain() {
    while (ReadSome()) {
    }
  }

  const std::vector<std::string>& ids() const { return ids_; }
  // The time between the last two acknowledgements: about one enrolment (zero before two).
  Clock::duration LastInterval() const {
    return times_.size() < 2 ? Clock::duration::zero() : times_.back() - times_[times_.size() - 2];
  }

 private:
  // False at end of file (every writer closed, i.e. the child is gone) or on a read error.
  bool ReadSome() {
    char chunk[4096];
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t end; (end = buffer_.find('\n', start)) != std::string::npos; start = end + 1) {
      ids_.push_back(buffer_.substr(start, end - start));
      times_.push_back(Clock::now());
    }
    buffer_.erase(0, start);
    return true;
  }

  int fd_;
  std::string buffer_;
  std::vector<std::string> ids_;
  std::vector<Clock::time_point> times_;
};

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return fmt::format("status {}", status);
}

// `rounds` kills of an enrolling child of the store at `store_dir` (a folder or a database URI).
void SigkillRounds(const std::filesystem::path& store_dir, const int rounds) {
  std::int64_t admin_id = 0;
  {
    auto store = Store::Create(store_dir);
    ASSERT_TRUE(store.ok());
    admin_id = AddUser(*(*store), "crash-admin", Role::kAdmin)->id;
    ASSERT_TRUE(AddUser(*(*store), "crash-enroller", Role::kEnroller).ok());
  }
  std::mt19937 random(20261125);
  std::uniform_int_distribution<std::size_t> acknowledgements_before_kill(2, 8);
  std::uniform_real_distribution<double> fraction_of_an_enrolment(0.0, 1.0);
  std::set<std::string> committed;
  std::size_t killed_before_the_next_acknowledgement = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      EnrolForever(store_dir, fds[1], round, admin_id);
    }
    close(fds[1]);
    Acknowledgements acknowledgements(fds[0]);
    const std::size_t target = acknowledgements_before_kill(random);
    const auto reached = acknowledgements.WaitFor(target, kNoProgressLimit);
    if (reached != Acknowledgements::Wait::kReached) {
      kill(child, SIGKILL);  // no-op when it is already gone
      int status = 0;
      waitpid(child, &status, 0);
      FAIL() << "round " << round << ": the child acknowledged " << acknowledgements.ids().size() << " of " << target
             << " enrolments, then "
             << (reached == Acknowledgements::Wait::kNoProgress
                     ? fmt::format("nothing for {} s", kNoProgressLimit.count())
                     : "closed the pipe")
             << "; it " << DescribeExit(status);
    }
    // Kill at a random point of the next enrolment: wait for its acknowledgement for at most a
    // random fraction of the last one's duration. Only the kill point depends on this; nothing
    // the test checks does.
    const auto within = std::chrono::duration_cast<Clock::duration>(acknowledgements.LastInterval() *
                                                                     fraction_of_an_enrolment(random));
    if (acknowledgements.WaitFor(target + 1, kNoProgressLimit, Clock::now() + within) ==
        Acknowledgements::Wait::kTimedOut) {
      ++killed_before_the_next_acknowledgement;
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << ": the child " << DescribeExit(status);
    acknowledgements.Drain();  // everything the child reported before it died
    committed.insert(acknowledgements.ids().begin(), acknowledgements.ids().end());

    auto store = Store::Open(store_dir);
    ASSERT_TRUE(store.ok()) << "round " << round << ": " << store.status().ToString();
    auto chain = VerifyAuditChain(*(*store));
    ASSERT_TRUE(chain.ok()) << "round " << round << ": " << chain.status().ToString();
    ASSERT_TRUE(chain->intact) << "round " << round << ": " << chain->problem;
    for (const std::string& id : committed) {
      auto person = (*store)->FindPerson(id);
      ASSERT_TRUE(person.ok()) << "round " << round << ": reported enrolment " << id << " lost";
      auto templates = (*store)->ListTemplates(person->id);
      ASSERT_TRUE(templates.ok()) << id;
      ASSERT_EQ(templates->size(), 1u) << "round " << round << ": reported enrolment " << id << " has no template";
      ASSERT_TRUE((*store)->LoadTemplate(templates->front().id).ok()) << id;
    }
  }
  EXPECT_GE(committed.size(), static_cast<std::size_t>(2 * rounds));
  fmt::print("{} rounds, {} enrolments acknowledged, {} kills inside an enrolment\n", rounds, committed.size(),
             killed_before_the_next_acknowledgement);
}

TEST(CrashTest, SigkillDuringEnrolmentLosesNothingReportedAndKeepsTheAuditChain) {
  testing::TempDir dir;
  SigkillRounds(dir.path() / "store", 24);
}

// The same against PostgreSQL (a throw-away server): the server rolls back the killed client's
// transaction and frees the writers' lock; fewer rounds, each kill costs a server backend.
TEST(CrashTest, OnPostgresSigkillDuringEnrolmentLosesNothingReportedAndKeepsTheAuditChain) {
  std::string why;
  testing::PostgresServer* server = testing::PostgresServer::Get(&why);
  if (server == nullptr) GTEST_SKIP() << "PostgreSQL cannot start here: " << why;
  const std::string uri = server->NewDatabase(&why);
  ASSERT_FALSE(uri.empty()) << why;
  testing::TempDir dir;
  setenv("ABIS_LOCAL_DIR", (dir.path() / "local").c_str(), 1);
  SigkillRounds(uri, 8);
  unsetenv("ABIS_LOCAL_DIR");
}

}  // namespace
}  // namespace abis
