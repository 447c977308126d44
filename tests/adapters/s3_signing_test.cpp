// The Signature V4 signer against AWS's published values: the
// aws-sig-v4-test-suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html;
// AKIDEXAMPLE, us-east-1, service "service", 20150830T123600Z) and the worked
// examples of the S3 API reference ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk" and
// "Authenticating Requests: Using Query Parameters"). Then the S3 client's
// requests as a server receives them: the signed header set is the sent one.
#include <gtest/gtest.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/s3_client.hpp"
#include "adapters/s3_signing.hpp"
#include "core/digest.hpp"

namespace {

using mc::adapters::NameValues;
using mc::adapters::SigV4Credentials;
using mc::adapters::SigV4Request;

constexpr const char* kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// 2015-08-30T12:36:00Z, the test suite's time.
const auto kSuiteTime = std::chrono::system_clock::from_time_t(1440938160);
// 2013-05-24T00:00:00Z, the S3 examples' time.
const auto kS3Time = std::chrono::system_clock::from_time_t(1369353600);

const SigV4Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service"};
const SigV4Credentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1",
                                  "s3"};

struct Vector {
  const char* name;
  const char* method;
  std::string path;
  NameValues query;
  NameValues extra_headers;  // besides the headers every request of its table has
  std::string body;
  const char* signed_headers;
  const char* signature;
};

// The suite's requests: Host example.amazonaws.com, X-Amz-Date 20150830T123600Z.
const std::vector<Vector> kSuiteVectors = {
    {"get-vanilla",
     "GET",
     "/",
     {},
     {},
     "",
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query",
     "GET",
     "/",
     {},
     {},
     "",
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query-order-key-case",
     "GET",
     "/",
     {{"Param2", "value2"}, {"Param1", "value1"}},
     {},
     "",
     "host;x-amz-date",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-vanilla-query-unreserved",
     "GET",
     "/",
     {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
     {},
     "",
     "host;x-amz-date",
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get-vanilla-utf8-query",
     "GET",
     "/",
     {{"\xE1\x88\xB4", "bar"}},
     {},
     "",
     "host;x-amz-date",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get-unreserved",
     "GET",
     "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {},
     {},
     "",
     "host;x-amz-date",
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get-utf8",
     "GET",
     "/\xE1\x88\xB4",
     {},
     {},
     "",
     "host;x-amz-date",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-header-key-duplicate",
     "GET",
     "/",
     {},
     {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
     "",
     "host;my-header1;x-amz-date",
     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
    {"get-header-value-order",
     "GET",
     "/",
     {},
     {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
     "",
     "host;my-header1;x-amz-date",
     "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
    {"get-header-value-trim",
     "GET",
     "/",
     {},
     {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}},
     "",
     "host;my-header1;my-header2;x-amz-date",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"post-vanilla",
     "POST",
     "/",
     {},
     {},
     "",
     "host;x-amz-date",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-header-key-case",
     "POST",
     "/",
     {},
     {},
     "",
     "host;x-amz-date",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-header-key-sort",
     "POST",
     "/",
     {},
     {{"My-Header1", "value1"}},
     "",
     "host;my-header1;x-amz-date",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
    {"post-header-value-case",
     "POST",
     "/",
     {},
     {{"My-Header1", "VALUE1"}},
     "",
     "host;my-header1;x-amz-date",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    {"post-vanilla-query",
     "POST",
     "/",
     {{"Param1", "value1"}},
     {},
     "",
     "host;x-amz-date",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"post-vanilla-query-nonunreserved",
     "POST",
     "/",
     {{"@#$%^", ""}, {"+", "/,?><`\";:\\|][{}"}},
     {},
     "",
     "host;x-amz-date",
     "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
    {"post-x-www-form-urlencoded",
     "POST",
     "/",
     {},
     {{"Content-Type", "application/x-www-form-urlencoded"}},
     "Param1=value1",
     "content-type;host;x-amz-date",
     "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
    {"post-x-www-form-urlencoded-parameters",
     "POST",
     "/",
     {},
     {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
     "Param1=value1",
     "content-type;host;x-amz-date",
     "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
};

TEST(SigV4, SignsEveryRequestOfAwsTestSuiteAsPublished) {
  for (const Vector& vector : kSuiteVectors) {
    SigV4Request request;
    request.method = vector.method;
    request.path = vector.path;
    request.query = vector.query;
    request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    request.headers.insert(request.headers.end(), vector.extra_headers.begin(), vector.extra_headers.end());
    request.payload_hash = mc::core::sha256_hex(vector.body);
    const auto signature = mc::adapters::sign_v4(request, kSuite, kSuiteTime);
    EXPECT_EQ(signature.authorization(),
              std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                          "SignedHeaders=") +
                  vector.signed_headers + ", Signature=" + vector.signature)
        << vector.name << "\n"
        << signature.canonical_request;
  }
}

TEST(SigV4, CanonicalRequestAndStringToSignOfTheSuitesQueryOrderCase) {
  SigV4Request request;
  request.method = "GET";
  request.path = "/";
  request.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  request.headers = {{"X-Amz-Date", "20150830T123600Z"}, {"Host", "example.amazonaws.com"}};
  request.payload_hash = kEmptyHash;
  const auto signature = mc::adapters::sign_v4(request, kSuite, kSuiteTime);
  EXPECT_EQ(signature.canonical_request,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  EXPECT_EQ(mc::adapters::amz_date(kSuiteTime), "20150830T123600Z");
}

// examplebucket.s3.amazonaws.com, 20130524T000000Z; extra_headers besides Host,
// x-amz-date and x-amz-content-sha256.
const std::vector<Vector> kS3Vectors = {
    {"GET Object",
     "GET",
     "/test.txt",
     {},
     {{"Range", "bytes=0-9"}},
     "",
     "host;range;x-amz-content-sha256;x-amz-date",
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
    {"PUT Object",
     "PUT",
     "/test$file.text",
     {},
     {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
     "Welcome to Amazon S3.",
     "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
    {"GET Bucket Lifecycle",
     "GET",
     "/",
     {{"lifecycle", ""}},
     {},
     "",
     "host;x-amz-content-sha256;x-amz-date",
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
    {"Get Bucket (List Objects)",
     "GET",
     "/",
     {{"prefix", "J"}, {"max-keys", "2"}},
     {},
     "",
     "host;x-amz-content-sha256;x-amz-date",
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
};

TEST(SigV4, SignsTheS3ReferencesWorkedExamplesAsPublished) {
  for (const Vector& vector : kS3Vectors) {
    SigV4Request request;
    request.method = vector.method;
    request.path = vector.path;
    request.query = vector.query;
    request.payload_hash = mc::core::sha256_hex(vector.body);
    request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                       {"x-amz-date", "20130524T000000Z"},
                       {"x-amz-content-sha256", request.payload_hash}};
    request.headers.insert(request.headers.end(), vector.extra_headers.begin(), vector.extra_headers.end());
    const auto signature = mc::adapters::sign_v4(request, kS3Example, kS3Time);
    EXPECT_EQ(signature.signed_headers, vector.signed_headers) << vector.name;
    EXPECT_EQ(signature.signature, vector.signature) << vector.name << "\n" << signature.canonical_request;
  }
  EXPECT_EQ(mc::core::sha256_hex("Welcome to Amazon S3."),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(SigV4, PresignedUrlEqualsAwsDocumentedExample) {
  mc::adapters::PresignRequest request;
  request.scheme = "https";
  request.host = "examplebucket.s3.amazonaws.com";
  request.path = "/test.txt";
  request.access_key = "AKIAIOSFODNN7EXAMPLE";
  request.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  request.now = kS3Time;
  request.expires_seconds = 86400;
  EXPECT_EQ(mc::adapters::presign_get_url(request),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// ------------------------------------------------ what the S3 client sends

struct Received {
  std::string method;
  std::string path;
  std::set<std::string> sent;     // lower-case names of the headers sent, Authorization aside
  std::set<std::string> signed_;  // SignedHeaders of its Authorization
  std::string content_type;
};

std::set<std::string> split(const std::string& list) {
  std::set<std::string> names;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t end = std::min(list.find(';', start), list.size());
    names.insert(list.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

// Any request answered 200; what came, kept.
class CaptureServer {
 public:
  CaptureServer() {
    auto handler = [this](const httplib::Request& request, httplib::Response& response) {
      Received received;
      received.method = request.method;
      received.path = request.path;
      for (const auto& [name, value] : request.headers) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        // cpp-httplib adds the peer's address as pseudo-headers.
        if (lower == "remote_addr" || lower == "remote_port" || lower == "local_addr" || lower == "local_port") {
          continue;
        }
        if (lower == "authorization") {
          const auto start = value.find("SignedHeaders=") + 14;
          received.signed_ = split(value.substr(start, value.find(',', start) - start));
        } else {
          received.sent.insert(lower);
        }
      }
      received.content_type = request.get_header_value("Content-Type");
      const std::lock_guard lock(mutex_);
      requests_.push_back(received);
      response.status = 200;
      if (request.method != "HEAD") response.set_content("ok", "text/plain");
    };
    server_.Get(".*", handler);
    server_.Put(".*", handler);
    server_.Options(".*", handler);
    server_.set_pre_routing_handler([handler](const httplib::Request& request, httplib::Response& response) {
      if (request.method != "HEAD") return httplib::Server::HandlerResponse::Unhandled;
      handler(request, response);
      return httplib::Server::HandlerResponse::Handled;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CaptureServer() {
    server_.stop();
    thread_.join();
  }
  [[nodiscard]] int port() const { return port_; }
  std::vector<Received> requests() {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Received> requests_;
};

// Debian 12's libcurl signed an `expect` header it did not send (curl issue
// #11664), and MinIO refused every request: the signature must cover exactly
// what goes over the wire.
TEST(S3ClientRequests, SignExactlyTheHeadersTheySend) {
  CaptureServer server;
  mc::adapters::S3Settings settings;
  settings.endpoint = "127.0.0.1:" + std::to_string(server.port());
  settings.access_key = "AKIDEXAMPLE";
  settings.secret_key = "secret-of-the-test";
  settings.bucket = "masks";
  mc::adapters::S3Client client(settings);
  client.put_object("u/r/dress_mask.png", std::string(200000, 'x'), "image/png");  // large enough for Expect
  client.put_object("u/r/empty_mask.png", "", "image/png");
  EXPECT_EQ(client.get_object("u/r/dress_mask.png"), "ok");
  client.head_object("u/r/dress_mask.png");
  client.check_bucket();
  client.put_bucket_policy(client.public_read_policy());

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 6U);
  for (const Received& received : requests) {
    EXPECT_EQ(received.sent, received.signed_) << received.method << " " << received.path;
    EXPECT_TRUE(received.signed_.count("host") && received.signed_.count("x-amz-date") &&
                received.signed_.count("x-amz-content-sha256"))
        << received.method << " " << received.path;
  }
  EXPECT_EQ(requests[0].content_type, "image/png");
  EXPECT_EQ(requests[0].path, "/masks/u/r/dress_mask.png");
  EXPECT_EQ(requests[3].method, "HEAD");
  EXPECT_EQ(requests[4].path, "/masks");
  EXPECT_EQ(requests[5].content_type, "application/json");
}

// A server that answers every request with a huge error document: the
// client keeps only its first bytes, and our error text stays short.
TEST(S3ClientRequests, AHugeErrorAnswerIsCutAndItsReasonKept) {
  httplib::Server server;
  const std::string message(10U << 20U, 'm');
  const std::string body =
      "<Error><Code>SlowDown</Code><Message>" + message + "</Message></Error>" + std::string(20U << 20U, ' ');
  server.Put(".*", [&](const httplib::Request&, httplib::Response& response) {
    response.status = 503;
    response.set_content(body, "application/xml");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  mc::adapters::S3Settings settings;
  settings.endpoint = "127.0.0.1:" + std::to_string(port);
  settings.access_key = "AKIDEXAMPLE";
  settings.secret_key = "secret-of-the-test";
  settings.bucket = "masks";
  mc::adapters::S3Client client(settings);
  try {
    client.put_object("u/r/dress_mask.png", "png", "image/png");
    ADD_FAILURE() << "a 503 must throw";
  } catch (const mc::adapters::DependencyError& error) {
    const std::string what = error.what();
    EXPECT_TRUE(error.transient()) << what;
    EXPECT_NE(what.find("HTTP 503 SlowDown"), std::string::npos) << what.substr(0, 300);
    EXPECT_LT(what.size(), 1024U) << "the server's 10 MB message is not echoed whole";
  }
  server.stop();
  thread.join();
}

// A line break in a header value would send a header of its own, unsigned.
TEST(S3ClientRequests, AHeaderValueWithALineBreakIsRefusedBeforeSending) {
  CaptureServer server;
  mc::adapters::S3Settings settings;
  settings.endpoint = "127.0.0.1:" + std::to_string(server.port());
  settings.access_key = "AKIDEXAMPLE";
  settings.secret_key = "secret-of-the-test";
  settings.bucket = "masks";
  mc::adapters::S3Client client(settings);
  try {
    client.put_object("u/r/dress_mask.png", "png", "image/png\r\nX-Injected: yes");
    ADD_FAILURE() << "must throw";
  } catch (const mc::adapters::DependencyError& error) {
    EXPECT_FALSE(error.transient());
    EXPECT_NE(std::string(error.what()).find("Content-Type header would contain a line break"), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(server.requests().empty()) << "nothing was sent";
}

// Browsers and curl send `Host: host` for a URL that names the scheme's
// default port: the presigned URL must sign that host.
TEST(S3ClientRequests, PresignedUrlsLeaveOutTheDefaultPort) {
  mc::adapters::S3Settings settings;
  settings.endpoint = "minio.example:80";
  settings.access_key = "AKIDEXAMPLE";
  settings.secret_key = "secret-of-the-test";
  settings.bucket = "masks";
  const mc::adapters::S3Client plain(settings);
  EXPECT_EQ(
      plain.presigned_get_url("u/r/dress_mask.png", std::chrono::seconds(60)).rfind("http://minio.example/masks/", 0),
      0U);
  settings.endpoint = "minio.example:443";
  settings.secure = true;
  const mc::adapters::S3Client secure(settings);
  EXPECT_EQ(
      secure.presigned_get_url("u/r/dress_mask.png", std::chrono::seconds(60)).rfind("https://minio.example/masks/", 0),
      0U);
  settings.endpoint = "minio.example:9000";
  const mc::adapters::S3Client other(settings);
  EXPECT_EQ(other.presigned_get_url("k", std::chrono::seconds(60)).rfind("https://minio.example:9000/masks/k?", 0), 0U);
}

}  // namespace
