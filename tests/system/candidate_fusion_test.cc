#include "abis/system/candidate_fusion.h"

#include <gtest/gtest.h>

namespace abis {
namespace {

ProbeEvidence Evidence(int probe, double score, double log_lr, double threshold = 0.5) {
  ProbeEvidence evidence;
  evidence.probe = probe;
  evidence.source = "probe " + std::to_string(probe);
  evidence.score = score;
  evidence.log_lr = log_lr;
  evidence.threshold = threshold;
  evidence.hit = score >= threshold;
  return evidence;
}

TEST(CandidateFusion, SumsTheBestComparisonOfEachGroupOnce) {
  CandidateEvidence evidence;
  evidence.Offer(7, "probe 1", Evidence(1, 0.4, 1.0));
  evidence.Offer(7, "probe 1", Evidence(1, 0.9, 6.0));  // a better template of the same person
  evidence.Offer(7, "probe 1", Evidence(1, 0.6, 3.0));  // worse: not kept
  evidence.Offer(7, "probe 2", Evidence(2, 0.3, -1.0));
  auto fused = FuseCandidates(evidence, 10);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_DOUBLE_EQ(fused[0].fused_log_lr, 5.0);  // 6 + (-1): each group once, its best
  EXPECT_TRUE(fused[0].hit);
  ASSERT_EQ(fused[0].evidence.size(), 2u);
  EXPECT_DOUBLE_EQ(fused[0].evidence[0].score, 0.9);
}

TEST(CandidateFusion, RanksByFusedLogLrThenPersonIdAndCuts) {
  CandidateEvidence evidence;
  evidence.Offer(30, "probe 1", Evidence(1, 0.2, 2.0));
  evidence.Offer(10, "probe 1", Evidence(1, 0.2, 2.0));  // tie with 30: the lower id first
  evidence.Offer(20, "probe 1", Evidence(1, 0.8, 9.0));
  evidence.Offer(40, "probe 1", Evidence(1, 0.1, -4.0));
  auto fused = FuseCandidates(evidence, 3);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].person_id, 20);
  EXPECT_EQ(fused[1].person_id, 10);
  EXPECT_EQ(fused[2].person_id, 30);
  EXPECT_FALSE(fused[1].hit);

  auto above = FuseCandidates(evidence, 10, 0.0);
  EXPECT_EQ(above.size(), 3u) << "person 40 (-4) is below the minimum";
}

TEST(CandidateFusion, TheResultDoesNotDependOnTheOrderEvidenceArrives) {
  CandidateEvidence forward, backward;
  std::vector<std::pair<std::int64_t, ProbeEvidence>> offers;
  for (int person = 1; person <= 50; ++person) {
    for (int probe = 1; probe <= 3; ++probe) {
      double score = ((person * 37 + probe * 11) % 100) / 100.0;
      offers.push_back({person, Evidence(probe, score, score * 10 - 5)});
    }
  }
  for (const auto& [person, offer] : offers) forward.Offer(person, offer.source, offer);
  for (auto it = offers.rbegin(); it != offers.rend(); ++it) backward.Offer(it->first, it->second.source, it->second);
  auto a = FuseCandidates(forward, 20);
  auto b = FuseCandidates(backward, 20);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].person_id, b[i].person_id) << "rank " << i + 1;
    EXPECT_DOUBLE_EQ(a[i].fused_log_lr, b[i].fused_log_lr);
  }
}

}  // namespace
}  // namespace abis
