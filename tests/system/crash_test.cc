// Kills a child process that enrols in a loop with SIGKILL at random moments; after each kill the
// store must open, the audit chain must verify, and every enrolment the child reported as
// committed must be there with its template readable.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../support/test_engine.h"
#include "abis/system/abis_system.h"

namespace abis {
namespace {

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
    std::string line = person.external_id + "\n";
    if (write(pipe_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
  }
}

TEST(CrashTest, SigkillDuringEnrolmentLosesNothingReportedAndKeepsTheAuditChain) {
  testing::TempDir dir;
  auto store_dir = dir.path() / "store";
  std::int64_t admin_id = 0;
  {
    auto store = Store::Create(store_dir);
    ASSERT_TRUE(store.ok());
    admin_id = AddUser((*store)->db(), "crash-admin", Role::kAdmin)->id;
    ASSERT_TRUE(AddUser((*store)->db(), "crash-enroller", Role::kEnroller).ok());
  }
  std::mt19937 random(20261125);
  std::uniform_int_distribution<int> delay_ms(5, 120);
  std::set<std::string> committed;
  constexpr int kRounds = 24;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      EnrolForever(store_dir, fds[1], round, admin_id);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status) << " in round " << round;
    // Everything the child reported before it died.
    std::string buffer;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0) buffer.append(chunk, static_cast<std::size_t>(n));
    close(fds[0]);
    std::size_t start = 0;
    for (std::size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1) {
      committed.insert(buffer.substr(start, end - start));
    }

    auto store = Store::Open(store_dir);
    ASSERT_TRUE(store.ok()) << "round " << round << ": " << store.status().ToString();
    auto chain = VerifyAuditChain((*store)->db());
    ASSERT_TRUE(chain.ok());
    ASSERT_TRUE(chain->intact) << "round " << round << ": " << chain->problem;
    for (const std::string& id : committed) {
      auto person = (*store)->FindPerson(id);
      ASSERT_TRUE(person.ok()) << "round " << round << ": reported enrolment " << id << " lost";
      auto templates = (*store)->ListTemplates(person->id);
      ASSERT_EQ(templates->size(), 1u) << id;
      ASSERT_TRUE((*store)->LoadTemplate(templates->front().id).ok()) << id;
    }
  }
  EXPECT_GT(committed.size(), static_cast<std::size_t>(kRounds)) << "the child should commit several enrolments per round";
}

}  // namespace
}  // namespace abis
