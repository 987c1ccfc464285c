#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "abis/core/paths.h"
#include "abis/mosip/mosip_queue_config.h"
#include "abis/mosip/stomp_frame.h"

namespace abis::mosip {
namespace {

using namespace std::string_literals;

TEST(StompFrame, EncodesAndDecodesWithEscapedHeadersAndBinaryBody) {
  StompFrame frame{"SEND", {{"destination", "/queue/a:b"}, {"note", "line\nbreak\\"}}, std::string("x\0y", 3)};
  const std::string wire = EncodeStompFrame(frame);
  EXPECT_NE(wire.find("destination:/queue/a\\cb\n"), std::string::npos);
  EXPECT_NE(wire.find("content-length:3\n"), std::string::npos);
  StompFrameDecoder decoder;
  decoder.Append("\n\n");  // heart-beats before the frame
  decoder.Append(wire.substr(0, 10));
  Result<std::optional<StompFrame>> partial = decoder.Next();
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE(partial->has_value());
  decoder.Append(wire.substr(10));
  Result<std::optional<StompFrame>> whole = decoder.Next();
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_TRUE(whole->has_value());
  EXPECT_EQ((*whole)->command, "SEND");
  EXPECT_EQ((*whole)->Header("destination"), "/queue/a:b");
  EXPECT_EQ((*whole)->Header("note"), "line\nbreak\\");
  EXPECT_EQ((*whole)->body, std::string("x\0y", 3));
}

TEST(StompFrame, DecodesTwoFramesFromOneReadAndFramesWithoutContentLength) {
  StompFrameDecoder decoder;
  decoder.Append("MESSAGE\nack:ID\\c1\n\n{\"a\":1}\0\nRECEIPT\nreceipt-id:7\n\n\0"s);
  auto first = decoder.Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->body, "{\"a\":1}");
  EXPECT_EQ((*first)->Header("ack"), "ID:1");
  auto second = decoder.Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->command, "RECEIPT");
  auto none = decoder.Next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(StompFrame, RejectsMalformedOrOversizedFrames) {
  StompFrameDecoder bad_escape;
  bad_escape.Append("MESSAGE\nx:\\t\n\n\0"s);
  EXPECT_FALSE(bad_escape.Next().ok());
  StompFrameDecoder bad_length;
  bad_length.Append("MESSAGE\ncontent-length:zz\n\n\0"s);
  EXPECT_FALSE(bad_length.Next().ok());
  StompFrameDecoder small(64);
  small.Append("MESSAGE\ncontent-length:1000\n\n");
  EXPECT_FALSE(small.Next().ok());
  StompFrameDecoder endless(64);
  endless.Append("MESSAGE\n\n" + std::string(100, 'x'));
  EXPECT_FALSE(endless.Next().ok());
}

TEST(MosipQueueConfig, ReadsQueueNamesAndDerivesTheStompEndpoint) {
  const std::string json = R"({"abis":[{"name":"ABIS1","host":"","port":"","brokerUrl":"tcp://localhost:61616",
    "inboundQueueName":"mosip-to-abis1","outboundQueueName":"abis1-to-mosip","userName":"admin","password":"admin",
    "typeOfQueue":"ACTIVEMQ","inboundMessageTTL":2700}]})";
  Result<std::vector<MosipAbisQueue>> queues = ParseMosipQueueConfig(json);
  ASSERT_TRUE(queues.ok()) << queues.status().ToString();
  ASSERT_EQ(queues->size(), 1u);
  EXPECT_EQ((*queues)[0].inbound_queue, "mosip-to-abis1");
  EXPECT_EQ((*queues)[0].outbound_queue, "abis1-to-mosip");
  EXPECT_EQ((*queues)[0].inbound_message_ttl_seconds, 2700);
  Result<StompEndpoint> endpoint = StompEndpointFor((*queues)[0]);
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->host, "localhost");
  EXPECT_EQ(endpoint->port, 61613);
  EXPECT_EQ(endpoint->login, "admin");
  EXPECT_FALSE(ParseMosipQueueConfig(R"({"abis":[{"name":"x"}]})").ok());
  EXPECT_FALSE(ParseMosipQueueConfig("[]").ok());
}

TEST(MosipQueueConfig, ReadsTheSampleConfiguration) {
  const auto path = SharedDataDir() / "interop" / "mosip" / "abis_messages" / "queue_config_registration-processor-abis.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "MOSIP queue config sample not found at " << path;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  Result<std::vector<MosipAbisQueue>> queues = ParseMosipQueueConfig(text.str());
  ASSERT_TRUE(queues.ok()) << queues.status().ToString();
  ASSERT_EQ(queues->size(), 1u);
  EXPECT_EQ((*queues)[0].name, "ABIS1");
  EXPECT_EQ((*queues)[0].type_of_queue, "ACTIVEMQ");
}

}  // namespace
}  // namespace abis::mosip
