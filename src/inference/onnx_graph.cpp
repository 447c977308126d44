#include "inference/onnx_graph.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/wire_format_lite.h>
#include <onnx/onnx_pb.h>

#include "core/errors.hpp"

namespace mc::inference {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

constexpr int kModelGraphField = 7;    // ModelProto.graph
constexpr int kGraphOutputField = 12;  // GraphProto.output

class FileDescriptor {
 public:
  explicit FileDescriptor(const std::filesystem::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

bool read_graph_outputs(CodedInputStream& input, std::vector<std::string>& outputs) {
  while (const std::uint32_t tag = input.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == kGraphOutputField &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      onnx::ValueInfoProto value;
      if (!WireFormatLite::ReadMessage(&input, &value)) return false;
      outputs.push_back(value.name());
    } else if (!WireFormatLite::SkipField(&input, tag)) {
      return false;
    }
  }
  return input.ConsumedEntireMessage();
}

}  // namespace

std::vector<std::string> onnx_declared_outputs(const std::filesystem::path& path) {
  const FileDescriptor file(path);
  if (file.get() < 0) throw core::SetupError(path.string() + ": cannot be opened");
  google::protobuf::io::FileInputStream stream(file.get());
  CodedInputStream input(&stream);
  input.SetTotalBytesLimit(std::numeric_limits<int>::max());
  std::vector<std::string> outputs;
  bool graph_seen = false;
  while (const std::uint32_t tag = input.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == kModelGraphField &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::uint32_t length = 0;
      if (!input.ReadVarint32(&length)) break;
      const auto limit = input.PushLimit(static_cast<int>(length));
      if (!read_graph_outputs(input, outputs)) throw core::SetupError(path.string() + ": not a valid ONNX model");
      input.PopLimit(limit);
      graph_seen = true;
    } else if (!WireFormatLite::SkipField(&input, tag)) {
      throw core::SetupError(path.string() + ": not a valid ONNX model");
    }
  }
  if (!graph_seen || outputs.empty()) throw core::SetupError(path.string() + ": not an ONNX model (no graph outputs)");
  return outputs;
}

}  // namespace mc::inference
