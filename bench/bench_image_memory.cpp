// Peak memory of the worst images (issue 16): runs `maskcomponent generate`
// on each in a child process and prints its peak RSS (ru_maxrss), its exit
// code and the last line it printed. The inline base64 case runs
// the request's image path of `serve` (JSON parse, base64
// decode bounded by IMAGE_MAX_BYTES, decode, person image) without models,
// in a process of its own (this program with --inline FILE).
// Run:
//   cmake --build --preset release --target maskcomponent mc_test_models mc_bench_image_memory
//   build/release/mc_bench_image_memory build/release/maskcomponent
//       build/release/tests/test_models/one_person                 (one line)
// Goal: every input up to IMAGE_MAX_BYTES (25 MiB) peaks under 700 MB.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "adapters/image_decoding.hpp"
#include "core/base64.hpp"
#include "core/errors.hpp"
#include "core/mask_request.hpp"
#include "core/person_image.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kImageMaxBytes = 25UL * 1024 * 1024;  // IMAGE_MAX_BYTES' default
constexpr std::uint64_t kMaxPixels = 40'000'000;            // MAX_IMAGE_PIXELS' default

std::string encode(const std::string& extension, const cv::Mat& image, const std::vector<int>& params = {}) {
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(extension, image, bytes, params)) throw std::runtime_error("cannot encode " + extension);
  return {bytes.begin(), bytes.end()};
}

// A JPEG whose frame header says `width` x `height` with next to no scan
// data: libjpeg fills the rest (warning "premature end"), a few hundred bytes
// for any size.
std::string bare_jpeg(int width, int height) {
  std::string jpeg = encode(".jpg", cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(128)));
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (static_cast<std::uint8_t>(jpeg[i]) == 0xFF && static_cast<std::uint8_t>(jpeg[i + 1]) == 0xC0) {
      jpeg[i + 5] = static_cast<char>(height >> 8);
      jpeg[i + 6] = static_cast<char>(height & 0xFF);
      jpeg[i + 7] = static_cast<char>(width >> 8);
      jpeg[i + 8] = static_cast<char>(width & 0xFF);
    }
    if (static_cast<std::uint8_t>(jpeg[i]) == 0xFF && static_cast<std::uint8_t>(jpeg[i + 1]) == 0xDA) {
      const std::size_t length =
          std::size_t{static_cast<std::uint8_t>(jpeg[i + 2])} << 8 | static_cast<std::uint8_t>(jpeg[i + 3]);
      return jpeg.substr(0, i + 2 + length + 8) + "\xFF\xD9";
    }
  }
  throw std::runtime_error("no SOS");
}

// The JPEG of the issue: FF 00 and a "length" that made the old marker walk
// jump over the real 12000 x 12000 frame to a forged 8 x 6 one.
std::string jpeg_trick() {
  const std::string real = bare_jpeg(12000, 12000);
  const std::string body = real.substr(2);
  const std::size_t length = body.size() + 2;
  return real.substr(0, 2) + std::string("\xFF\x00", 2) + static_cast<char>(length >> 8) +
         static_cast<char>(length & 0xFF) + body +
         std::string("\xFF\xC0\x00\x11\x08\x00\x06\x00\x08\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01\xFF\xD9", 21);
}

// A smooth photo-like 8-bit picture with some noise.
cv::Mat picture(int width, int height, int type) {
  cv::Mat small(64, 48, CV_8UC3);
  cv::randu(small, 0, 255);
  cv::Mat image;
  cv::resize(small, image, cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
  if (type == CV_16UC4) {
    cv::Mat bgra;
    cv::cvtColor(image, bgra, cv::COLOR_BGR2BGRA);
    bgra.convertTo(image, CV_16UC4, 257.0);
  }
  return image;
}

// The largest noise PNG of at most `max_bytes` bytes.
std::string noise_png(std::size_t max_bytes) {
  for (int side = 2960;; side -= 8) {
    cv::Mat noise(side, side, CV_8UC3);
    cv::randu(noise, 0, 256);
    std::string png = encode(".png", noise, {cv::IMWRITE_PNG_COMPRESSION, 1});
    if (png.size() <= max_bytes) return png;
  }
}

void write(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

struct Peak {
  int exit_code = -1;
  long max_rss_kb = 0;
  double seconds = 0;
  std::string message;
  std::string last_but_one;
};

Peak wait_for(pid_t child, int output_fd, std::chrono::steady_clock::time_point started) {
  Peak peak;
  std::string output;
  char buffer[4096];
  for (ssize_t got; (got = read(output_fd, buffer, sizeof buffer)) > 0;)
    output.append(buffer, static_cast<std::size_t>(got));
  close(output_fd);
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  peak.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  peak.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  peak.max_rss_kb = usage.ru_maxrss;
  // The last two lines that say something (libjpeg's warnings come first).
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = output.find('\n', start)) != std::string::npos; start = end + 1) {
    if (end > start) lines.push_back(output.substr(start, end - start));
  }
  if (start < output.size()) lines.push_back(output.substr(start));
  if (!lines.empty()) peak.message = lines.back();
  if (lines.size() >= 2) peak.last_but_one = lines[lines.size() - 2];
  return peak;
}

// The child's peak is measured by a small process of its own (this program
// run again with --measure): a forked copy of this one would count the pages
// of all the images it holds.
int measure(char** argv) {
  const pid_t child = fork();
  if (child == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::fprintf(stderr, "\nMAXRSS %ld EXIT %d\n", usage.ru_maxrss, code);
  return 0;
}

// The image steps of `serve` for the message in `path` (--inline mode).
int run_inline_steps(const char* path) {
  std::ifstream in(path, std::ios::binary);
  const std::string message{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  try {
    const mc::core::MaskRequest request =
        mc::core::parse_mask_request(message, {mc::core::MaskType::kDress}, [] { return std::string("r"); });
    const std::string bytes = mc::core::decode_base64_image(request.image_data, kImageMaxBytes);
    const cv::Mat person = mc::core::to_person_image(mc::adapters::decode_image(bytes, kMaxPixels), kMaxPixels);
    std::printf("person image %d x %d\n", person.cols, person.rows);
    return 0;
  } catch (const mc::core::InputError& error) {
    std::printf("Invalid image data: %s\n", error.what());
    return 1;
  }
}

Peak run_measured(const std::vector<std::string>& arguments, std::chrono::steady_clock::time_point started) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe");
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    std::vector<char*> argv;
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  Peak peak = wait_for(child, pipe_fds[0], started);
  // The last line is the measurement, the one before the program's own.
  long rss = 0;
  int code = 0;
  if (std::sscanf(peak.message.c_str(), "MAXRSS %ld EXIT %d", &rss, &code) == 2) {
    peak.max_rss_kb = rss;
    peak.exit_code = code;
  }
  peak.message = peak.last_but_one;
  return peak;
}

Peak run_generate(const std::string& program, const fs::path& models, const fs::path& image, const fs::path& out) {
  const auto started = std::chrono::steady_clock::now();
  return run_measured({"mc_bench_image_memory", "--measure", program, "generate", "--image", image.string(), "--gender",
                       "M", "--checkpoints", models.string(), "--gpu-id", "-1", "--out", out.string()},
                      started);
}

void print(const std::string& name, std::size_t bytes, const Peak& peak) {
  std::printf("%-44s %10zu B  exit %3d  peak %7.1f MB  %6.2f s  %s\n", name.c_str(), bytes, peak.exit_code,
              static_cast<double>(peak.max_rss_kb) / 1024.0, peak.seconds, peak.message.substr(0, 160).c_str());
  std::fflush(stdout);
}

std::string message_with(const std::string& image) {
  return nlohmann::json{
      {"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "base64"}, {"data", mc::core::encode_base64(image)}}}}
      .dump();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--measure") return measure(argv + 2);
  if (argc == 3 && std::string(argv[1]) == "--inline") return run_inline_steps(argv[2]);
  if (argc != 3) {
    std::cerr << "usage: mc_bench_image_memory MASKCOMPONENT TEST_MODELS_DIR\n";
    return 2;
  }
  const std::string program = argv[1];
  const fs::path models = argv[2];
  const fs::path dir = fs::temp_directory_path() / ("mc_bench_image_memory_" + std::to_string(getpid()));
  fs::create_directories(dir);

  struct Case {
    std::string name;
    std::string bytes;
  };
  std::vector<Case> cases;
  cases.push_back({"1 x 65535 PNG", encode(".png", cv::Mat(65535, 1, CV_8UC3, cv::Scalar::all(90)))});
  cases.push_back({"1 x 20000 PNG", encode(".png", cv::Mat(20000, 1, CV_8UC3, cv::Scalar::all(90)))});
  cases.push_back(
      {"1 x 7302 PNG (canvas 39.99 MP, at the limit)", encode(".png", cv::Mat(7302, 1, CV_8UC3, cv::Scalar::all(90)))});
  cases.push_back({"JPEG trick (12000 x 12000 behind FF 00)", jpeg_trick()});
  cases.push_back(
      {"5472 x 7296 JPEG (39.9 MP)", encode(".jpg", picture(5472, 7296, CV_8UC3), {cv::IMWRITE_JPEG_QUALITY, 90})});
  cases.push_back({"5472 x 7296 16-bit RGBA PNG (39.9 MP)", encode(".png", picture(5472, 7296, CV_16UC4))});
  cases.push_back({"3800 x 10500 JPEG (39.9 MP, narrow: refused)",
                   encode(".jpg", picture(3800, 10500, CV_8UC3), {cv::IMWRITE_JPEG_QUALITY, 90})});
  cases.push_back({"noise PNG at IMAGE_MAX_BYTES", noise_png(kImageMaxBytes)});

  std::printf("maskcomponent generate (test models, --gpu-id -1), peak RSS of the child:\n");
  for (const Case& one : cases) {
    const fs::path image = dir / "image";
    write(image, one.bytes);
    print(one.name, one.bytes.size(), run_generate(program, models, image, dir / "out"));
  }

  std::printf(
      "\nserve's image steps for an inline base64 image (JSON parse, base64, decode, person image; no models):\n");
  const std::string largest = noise_png(kImageMaxBytes);
  const std::string at_limit = message_with(largest);
  auto run_inline = [&](const std::string& message) {
    write(dir / "message.json", message);
    const auto started = std::chrono::steady_clock::now();
    return run_measured(
        {"mc_bench_image_memory", "--measure", "/proc/self/exe", "--inline", (dir / "message.json").string()}, started);
  };
  print("base64 noise PNG at IMAGE_MAX_BYTES", at_limit.size(), run_inline(at_limit));
  const std::string over = message_with(largest + std::string(kImageMaxBytes + 1 - largest.size(), '\0'));
  print("base64 of IMAGE_MAX_BYTES + 1 bytes", over.size(), run_inline(over));
  fs::remove_all(dir);
  return 0;
}
