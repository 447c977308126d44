// Paints a parse map in the test parsers' palette colours: the synthetic photo
// that scripts/demo.sh feeds to `maskcomponent generate` with the test models.
//   mc_paint_figure PARSE.png PALETTE.json OUT.png
#include <exception>
#include <iostream>

#include "adapters/local_files.hpp"
#include "support/figure.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: mc_paint_figure PARSE.png PALETTE.json OUT.png\n";
    return 2;
  }
  try {
    const cv::Mat parse = mc::adapters::read_label_png(argv[1]);
    mc::adapters::write_png(argv[3], mc::test_support::paint_figure(parse, argv[2]));
  } catch (const std::exception& error) {
    std::cerr << "mc_paint_figure: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
