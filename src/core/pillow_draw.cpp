#include "core/pillow_draw.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numbers>
#include <vector>

// A port of the parts of Pillow 9.4's libImaging/Draw.c (and ImageDraw.py's
// "curve" joint) that ImageDraw.line, pieslice and arc use on an "L" image.
// The arithmetic keeps Pillow's types on purpose: the polygon filler works in
// float, the wide line and the clipping in double, the ellipse in integers,
// and angles travel as C float; changing any of them moves boundary pixels.
namespace mc::core::pillow {

namespace {

class Canvas {
 public:
  explicit Canvas(cv::Mat& image) : image_(image) {}

  void point(int x, int y) {
    if (x >= 0 && x < image_.cols && y >= 0 && y < image_.rows) image_.at<std::uint8_t>(y, x) = 255;
  }

  // hline8: a horizontal run from x0 to x1 inclusive, clipped to the image.
  // Pillow 9.4 swaps reversed ends (later versions draw nothing for them);
  // the polygon filler relies on it when both ends round into one pixel.
  void hline(int x0, int y0, int x1) {
    if (y0 < 0 || y0 >= image_.rows) return;
    if (x0 > x1) std::swap(x0, x1);
    if (x0 < 0) {
      x0 = 0;
    } else if (x0 >= image_.cols) {
      return;
    }
    if (x1 < 0) return;
    if (x1 >= image_.cols) x1 = image_.cols - 1;
    if (x0 <= x1) {
      auto* row = image_.ptr<std::uint8_t>(y0);
      std::fill(row + x0, row + x1 + 1, std::uint8_t{255});
    }
  }

  [[nodiscard]] int height() const { return image_.rows; }

 private:
  cv::Mat& image_;
};

// Draw.c's ROUND_UP / ROUND_DOWN: round half away from / towards zero. The
// 0.5F is a float constant; with a float argument the addition is in float.
template <typename T>
int round_up(T f) {
  return static_cast<int>(f >= 0 ? std::floor(f + T{0.5F}) : -std::floor(std::fabs(f) + T{0.5F}));
}
template <typename T>
int round_down(T f) {
  return static_cast<int>(f >= 0 ? std::ceil(f - T{0.5F}) : -std::ceil(std::fabs(f) - T{0.5F}));
}

struct Edge {
  int d = 0;
  int x0 = 0, y0 = 0;
  int xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  float dx = 0.0F;
};

Edge make_edge(int x0, int y0, int x1, int y1) {
  Edge e;
  e.xmin = std::min(x0, x1);
  e.xmax = std::max(x0, x1);
  e.ymin = std::min(y0, y1);
  e.ymax = std::max(y0, y1);
  if (y0 == y1) {
    e.d = 0;
    e.dx = 0.0F;
  } else {
    e.dx = static_cast<float>(x1 - x0) / static_cast<float>(y1 - y0);
    e.d = y0 == e.ymin ? 1 : -1;
  }
  e.x0 = x0;
  e.y0 = y0;
  return e;
}

// (y - y0) * dx + x0 in float, as Draw.c evaluates it.
float edge_x(const Edge& e, int y) { return static_cast<float>(y - e.y0) * e.dx + static_cast<float>(e.x0); }

// polygon_generic of Pillow 9.4: scan lines, with its "connect discontiguous
// corners" adjustment (which writes into xx at the other edge's index, as
// Pillow does) and its rounding of span ends.
void polygon_fill(Canvas& canvas, std::vector<Edge>& edges) {
  if (edges.empty()) return;
  std::vector<Edge*> table;
  int ymin = canvas.height() - 1;
  int ymax = 0;
  for (Edge& e : edges) {
    ymin = std::min(ymin, e.ymin);
    ymax = std::max(ymax, e.ymax);
    if (e.ymin == e.ymax) {
      canvas.hline(e.xmin, e.ymin, e.xmax);
      continue;
    }
    table.push_back(&e);
  }
  ymin = std::max(ymin, 0);
  ymax = std::min(ymax, canvas.height());
  // One buffer for all rows, as Pillow's calloc'ed xx: the corner fix may
  // write to a slot beyond this row's count, read again by a later row.
  std::vector<float> xx(table.size() * 2, 0.0F);
  for (int y = ymin; y <= ymax; ++y) {
    std::size_t j = 0;
    for (std::size_t i = 0; i < table.size(); ++i) {
      const Edge& current = *table[i];
      if (y < current.ymin || y > current.ymax) continue;
      xx[j++] = edge_x(current, y);
      if (y == current.ymax && y < ymax) {
        xx[j] = xx[j - 1];
        ++j;
      } else if (current.dx != 0.0F && std::round(xx[j - 1]) == xx[j - 1]) {
        for (std::size_t k = 0; k < i; ++k) {
          const Edge& other = *table[k];
          if ((current.dx > 0.0F && other.dx <= 0.0F) || (current.dx < 0.0F && other.dx >= 0.0F)) continue;
          if (((y == current.ymin && y == other.ymin) || (y == current.ymax && y == other.ymax)) &&
              xx[j - 1] == edge_x(other, y)) {
            const int offset = y == ymax ? -1 : 1;
            const float adjacent = edge_x(current, y + offset);
            const float adjacent_other = edge_x(other, y + offset);
            if (y == current.ymax) {
              xx[k] = current.dx > 0.0F ? std::max(adjacent, adjacent_other) + 1.0F
                                        : std::min(adjacent, adjacent_other) - 1.0F;
            } else {
              xx[k] =
                  current.dx > 0.0F ? std::min(adjacent, adjacent_other) : std::max(adjacent, adjacent_other) + 1.0F;
            }
            break;
          }
        }
      }
    }
    std::sort(xx.begin(), xx.begin() + static_cast<std::ptrdiff_t>(j));
    for (std::size_t i = 1; i < j; i += 2) canvas.hline(round_up(xx[i - 1]), y, round_down(xx[i]));
  }
}

// ImagingDrawWideLine: a quadrilateral around the segment, flat ends.
void wide_line(Canvas& canvas, int x0, int y0, int x1, int y1, int width) {
  const int dx = x1 - x0;
  const int dy = y1 - y0;
  if (dx == 0 && dy == 0) {
    canvas.point(x0, y0);
    return;
  }
  const double big_hypotenuse = std::hypot(static_cast<double>(dx), static_cast<double>(dy));
  const double small_hypotenuse = (width - 1) / 2.0;
  const double ratio_max = round_up(small_hypotenuse) / big_hypotenuse;
  const double ratio_min = round_down(small_hypotenuse) / big_hypotenuse;
  const int dxmin = round_down(ratio_min * dy);
  const int dxmax = round_down(ratio_max * dy);
  const int dymin = round_down(ratio_min * dx);
  const int dymax = round_down(ratio_max * dx);
  const int vertices[4][2] = {
      {x0 - dxmin, y0 + dymax}, {x1 - dxmin, y1 + dymax}, {x1 + dxmax, y1 - dymin}, {x0 + dxmax, y0 - dymin}};
  std::vector<Edge> edges;
  for (int i = 0; i < 4; ++i) {
    const int next = (i + 1) % 4;
    edges.push_back(make_edge(vertices[i][0], vertices[i][1], vertices[next][0], vertices[next][1]));
  }
  polygon_fill(canvas, edges);
}

// --- Ellipses (Draw.c's quarter_*, ellipse_* and clip tree) ---

// Bresenham over the top-right quarter of an ellipse with semi-axes a and b on
// the doubled grid (points (2x + a % 2, 2y + b % 2)).
struct Quarter {
  std::int32_t a = 0, b = 0, cx = 0, cy = 0, ex = 0, ey = 0;
  std::int64_t a2 = 0, b2 = 0, a2b2 = 0;
  bool finished = true;

  void init(std::int32_t a_, std::int32_t b_) {
    if (a_ < 0 || b_ < 0) {
      finished = true;
      return;
    }
    a = a_;
    b = b_;
    cx = a;
    cy = b % 2;
    ex = a % 2;
    ey = b;
    a2 = static_cast<std::int64_t>(a) * a;
    b2 = static_cast<std::int64_t>(b) * b;
    a2b2 = a2 * b2;
    finished = false;
  }

  [[nodiscard]] std::int64_t delta(std::int64_t x, std::int64_t y) const {
    return std::llabs(a2 * y * y + b2 * x * x - a2b2);
  }

  bool next(std::int32_t& ret_x, std::int32_t& ret_y) {
    if (finished) return false;
    ret_x = cx;
    ret_y = cy;
    if (cx == ex && cy == ey) {
      finished = true;
    } else {
      std::int32_t nx = cx;
      std::int32_t ny = cy + 2;
      std::int64_t ndelta = delta(nx, ny);
      if (nx > 1) {
        std::int64_t newdelta = delta(cx - 2, cy + 2);
        if (ndelta > newdelta) {
          nx = cx - 2;
          ny = cy + 2;
          ndelta = newdelta;
        }
        newdelta = delta(cx - 2, cy);
        if (ndelta > newdelta) {
          nx = cx - 2;
          ny = cy;
        }
      }
      cx = nx;
      cy = ny;
    }
    return true;
  }
};

// The horizontal spans of a ring between two ellipses (outer a x b, inner
// shrunk by 2 (w - 1) on the doubled grid), four quarters at a time.
struct EllipseSpans {
  Quarter outer, inner;
  std::int32_t py = 0, pl = 0, pr = 0;
  std::int32_t cy[4] = {}, cl[4] = {}, cr[4] = {};
  int bufcnt = 0;
  bool finished = true;
  std::int32_t leftmost = 0;

  void init(std::int32_t a, std::int32_t b, std::int32_t w) {
    bufcnt = 0;
    leftmost = a % 2;
    outer.init(a, b);
    if (w < 1 || !outer.next(pr, py)) {
      finished = true;
    } else {
      finished = false;
      inner.init(a - 2 * (w - 1), b - 2 * (w - 1));
      pl = leftmost;
    }
  }

  bool next(std::int32_t& x0, std::int32_t& y_out, std::int32_t& x1) {
    if (bufcnt == 0) {
      if (finished) return false;
      const std::int32_t y = py;
      std::int32_t l = pl;
      const std::int32_t r = pr;
      std::int32_t cx = 0;
      std::int32_t cyv = 0;
      bool more = false;
      while ((more = outer.next(cx, cyv)) && cyv <= y) {
      }
      if (!more) {
        finished = true;
      } else {
        pr = cx;
        py = cyv;
      }
      while ((more = inner.next(cx, cyv)) && cyv <= y) {
        l = cx;
      }
      pl = more ? cx : leftmost;

      if ((l > 0 || l < r) && y > 0) {
        cl[bufcnt] = l == 0 ? 2 : l;
        cy[bufcnt] = y;
        cr[bufcnt] = r;
        ++bufcnt;
      }
      if (y > 0) {
        cl[bufcnt] = -r;
        cy[bufcnt] = y;
        cr[bufcnt] = -l;
        ++bufcnt;
      }
      if (l > 0 || l < r) {
        cl[bufcnt] = l == 0 ? 2 : l;
        cy[bufcnt] = -y;
        cr[bufcnt] = r;
        ++bufcnt;
      }
      cl[bufcnt] = -r;
      cy[bufcnt] = -y;
      cr[bufcnt] = -l;
      ++bufcnt;
    }
    --bufcnt;
    x0 = cl[bufcnt];
    y_out = cy[bufcnt];
    x1 = cr[bufcnt];
    return true;
  }
};

// Clipping tree: half planes a x + b y + c >= 0 combined by AND / OR, applied
// to a horizontal span; the result is a sorted list of disjoint spans,
// represented as events (x, +1 for a start, -1 for an end).
enum class ClipType { kAnd, kOr, kClip };

struct ClipNode {
  ClipType type = ClipType::kClip;
  double a = 0.0, b = 0.0, c = 0.0;
  int left = -1, right = -1;
};

struct Event {
  std::int32_t x;
  int type;
};

void clip_span(const std::vector<ClipNode>& nodes, int root, std::int32_t x0, std::int32_t y, std::int32_t x1,
               std::vector<Event>& out) {
  out.clear();
  if (root < 0) {
    out.push_back({x0, 1});
    out.push_back({x1, -1});
    return;
  }
  const ClipNode& node = nodes[static_cast<std::size_t>(root)];
  if (node.type == ClipType::kClip) {
    constexpr double kEps = 1e-9;
    if (std::fabs(node.a) < kEps) {
      if (node.b * y + node.c < -kEps) {
        x0 = 1;
        x1 = 0;
      }
    } else {
      const double ix = -(node.b * y + node.c) / node.a;
      if (node.a * x0 + node.b * y + node.c < kEps) {
        x0 = static_cast<std::int32_t>(std::lround(std::fmax(x0, ix)));
      }
      if (node.a * x1 + node.b * y + node.c < kEps) {
        x1 = static_cast<std::int32_t>(std::lround(std::fmin(x1, ix)));
      }
    }
    if (x0 <= x1) {
      out.push_back({x0, 1});
      out.push_back({x1, -1});
    }
    return;
  }
  std::vector<Event> l1;
  std::vector<Event> l2;
  clip_span(nodes, node.left, x0, y, x1, l1);
  clip_span(nodes, node.right, x0, y, x1, l2);
  std::size_t i1 = 0;
  std::size_t i2 = 0;
  int k1 = 0;
  int k2 = 0;
  const Event* tail = nullptr;
  while (i1 < l1.size() || i2 < l2.size()) {
    Event t{};
    if (i2 >= l2.size() ||
        (i1 < l1.size() && (l1[i1].x < l2[i2].x || (l1[i1].x == l2[i2].x && l1[i1].type > l2[i2].type)))) {
      t = l1[i1++];
      k1 += t.type;
    } else {
      t = l2[i2++];
      k2 += t.type;
    }
    const bool keep =
        (node.type == ClipType::kOr &&
         ((t.type == 1 && (tail == nullptr || tail->type == -1)) || (t.type == -1 && k1 == 0 && k2 == 0))) ||
        (node.type == ClipType::kAnd && ((t.type == 1 && (tail == nullptr || tail->type == -1) && k1 > 0 && k2 > 0) ||
                                         (t.type == -1 && tail != nullptr && tail->type == 1 && (k1 == 0 || k2 == 0))));
    if (keep) {
      out.push_back(t);
      tail = &out.back();
    }
  }
}

// normalize_angles: 0 <= al < 360, al <= ar <= al + 360, in C float with
// double intermediates as Draw.c computes them.
void normalize_angles(float& al, float& ar) {
  if (ar - al >= 360.0F) {
    al = 0.0F;
    ar = 360.0F;
  } else {
    const double al_d = static_cast<double>(al);
    al = static_cast<float>(std::fmod(al < 0.0F ? 360.0 - std::fmod(-al_d, 360.0) : al_d, 360.0));
    const double span = ar < al ? 360.0 - std::fmod(static_cast<double>(al - ar), 360.0) : static_cast<double>(ar - al);
    ar = static_cast<float>(static_cast<double>(al) + std::fmod(span, 360.0));
  }
}

constexpr double kPi = std::numbers::pi;

struct ClipEllipse {
  EllipseSpans spans;
  std::vector<ClipNode> nodes;
  int root = -1;

  int add(const ClipNode& node) {
    nodes.push_back(node);
    return static_cast<int>(nodes.size()) - 1;
  }
};

ClipNode half_plane(double a, double b, double c) {
  ClipNode node;
  node.type = ClipType::kClip;
  node.a = a;
  node.b = b;
  node.c = c;
  return node;
}

ClipNode combine(ClipType type, int left, int right) {
  ClipNode node;
  node.type = type;
  node.left = left;
  node.right = right;
  return node;
}

// pie_init: the ellipse clipped by the two radii at al and ar.
void pie_init(ClipEllipse& s, std::int32_t a, std::int32_t b, std::int32_t w, float al, float ar) {
  s.spans.init(a, b, w);
  const double al_r = static_cast<double>(al) * kPi / 180.0;
  const double ar_r = static_cast<double>(ar) * kPi / 180.0;
  const double xl = a * std::cos(al_r);
  const double xr = a * std::cos(ar_r);
  const double yl = b * std::sin(al_r);
  const double yr = b * std::sin(ar_r);
  const int lc = s.add(half_plane(-yl, xl, 0.0));
  const int rc = s.add(half_plane(yr, -xr, 0.0));
  s.root = s.add(combine(ar - al < 180.0F ? ClipType::kAnd : ClipType::kOr, lc, rc));
  // One more half plane against spikes of narrow slices.
  if (ar - al < 90.0F) {
    const int spike = s.add(half_plane((xl + xr) / 2.0, (yl + yr) / 2.0, 0.0));
    s.root = s.add(combine(ClipType::kAnd, s.root, spike));
  }
}

void draw_clip_ellipse(Canvas& canvas, int x0, int y0, int x1, int y1, ClipEllipse& s) {
  const int a = x1 - x0;
  const int b = y1 - y0;
  std::vector<Event> events;
  std::int32_t sx0 = 0;
  std::int32_t sy = 0;
  std::int32_t sx1 = 0;
  while (s.spans.next(sx0, sy, sx1)) {
    clip_span(s.nodes, s.root, sx0, sy, sx1, events);
    for (std::size_t i = 0; i + 1 < events.size(); i += 2) {
      canvas.hline(x0 + (events[i].x + a) / 2, y0 + (sy + b) / 2, x0 + (events[i + 1].x + a) / 2);
    }
  }
}

// ellipseNew: the ring of width `width` (a filled ellipse when fill).
void ellipse(Canvas& canvas, int x0, int y0, int x1, int y1, bool fill, int width) {
  const int a = x1 - x0;
  const int b = y1 - y0;
  if (a < 0 || b < 0) return;
  if (fill) width = a + b;
  EllipseSpans spans;
  spans.init(a, b, width);
  std::int32_t sx0 = 0;
  std::int32_t sy = 0;
  std::int32_t sx1 = 0;
  while (spans.next(sx0, sy, sx1)) {
    canvas.hline(x0 + (sx0 + a) / 2, y0 + (sy + b) / 2, x0 + (sx1 + a) / 2);
  }
}

// ImagingDrawPieslice with fill.
void pieslice_filled(Canvas& canvas, int x0, int y0, int x1, int y1, float start, float end) {
  normalize_angles(start, end);
  if (start + 360.0F == end) {
    ellipse(canvas, x0, y0, x1, y1, true, 0);
    return;
  }
  if (start == end) return;
  const int a = x1 - x0;
  const int b = y1 - y0;
  if (a < 0 || b < 0) return;
  ClipEllipse s;
  pie_init(s, a, b, x1 + y1 - x0 - y0, start, end);
  draw_clip_ellipse(canvas, x0, y0, x1, y1, s);
}

// The C layer's (int) cast of a coordinate: towards zero.
int c_int(double value) { return static_cast<int>(value); }

// Python's float modulo: the result takes the sign of the divisor.
double py_mod(double value, double divisor) {
  double mod = std::fmod(value, divisor);
  if (mod != 0.0) {
    if ((divisor < 0.0) != (mod < 0.0)) mod += divisor;
  } else {
    mod = std::copysign(0.0, divisor);
  }
  return mod;
}

// CPython's math.degrees and math.radians.
double degrees(double radians) { return (180.0 / kPi) * radians; }
double radians(double degrees_value) { return degrees_value * (kPi / 180.0); }

// ImageDraw.line's "curve" joint at points[i] (ImageDraw.py of Pillow 9.4).
void curve_joint(Canvas& canvas, std::span<const cv::Point> points, std::size_t i, int width) {
  const cv::Point point = points[i];
  const cv::Point ends[2][2] = {{points[i - 1], point}, {point, points[i + 1]}};
  double angles[2];
  for (int k = 0; k < 2; ++k) {
    const cv::Point start = ends[k][0];
    const cv::Point end = ends[k][1];
    angles[k] =
        py_mod(degrees(std::atan2(static_cast<double>(end.x - start.x), static_cast<double>(start.y - end.y))), 360.0);
  }
  if (angles[0] == angles[1]) return;  // a straight line needs no joint

  const double half = width / 2.0;
  auto coord_at_angle = [&](double angle) {
    angle -= 90.0;
    const double distance = half - 1.0;
    const double pdx = distance * std::cos(radians(angle));
    const double pdy = distance * std::sin(radians(angle));
    auto step = [](double d) { return static_cast<int>(d > 0.0 ? std::floor(d) : std::ceil(d)); };
    return cv::Point(point.x + step(pdx), point.y + step(pdy));
  };

  const bool flipped = (angles[1] > angles[0] && angles[1] - 180.0 > angles[0]) ||
                       (angles[1] < angles[0] && angles[1] + 180.0 > angles[0]);
  const Box box{point.x - half + 1.0, point.y - half + 1.0, point.x + half - 1.0, point.y + half - 1.0};
  double start = 0.0;
  double end = 0.0;
  if (flipped) {
    start = angles[1] + 90.0;
    end = angles[0] + 90.0;
  } else {
    start = angles[0] - 90.0;
    end = angles[1] - 90.0;
  }
  pieslice_filled(canvas, c_int(box.x0), c_int(box.y0), c_int(box.x1), c_int(box.y1), static_cast<float>(start - 90.0),
                  static_cast<float>(end - 90.0));

  if (width > 8) {
    // Pillow covers possible gaps between the segments and the joint.
    const double offset = flipped ? 90.0 : -90.0;
    const cv::Point gap[3] = {coord_at_angle(angles[0] + offset), point, coord_at_angle(angles[1] + offset)};
    for (int k = 0; k < 2; ++k) wide_line(canvas, gap[k].x, gap[k].y, gap[k + 1].x, gap[k + 1].y, 3);
  }
}

}  // namespace

void line(cv::Mat& image, std::span<const cv::Point> points, int width, bool curve_joint_enabled) {
  CV_Assert(image.type() == CV_8UC1);
  Canvas canvas(image);
  if (points.size() < 2) return;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    if (width <= 1) {
      // Not used by the masks; Pillow draws 1-pixel lines with Bresenham.
      CV_Error(cv::Error::StsNotImplemented, "pillow::line needs width > 1");
    }
    wide_line(canvas, points[i].x, points[i].y, points[i + 1].x, points[i + 1].y, width);
  }
  if (curve_joint_enabled && width > 4) {
    for (std::size_t i = 1; i + 1 < points.size(); ++i) curve_joint(canvas, points, i, width);
  }
}

void pieslice(cv::Mat& image, const Box& box, double start, double end) {
  CV_Assert(image.type() == CV_8UC1);
  Canvas canvas(image);
  pieslice_filled(canvas, c_int(box.x0), c_int(box.y0), c_int(box.x1), c_int(box.y1), static_cast<float>(start),
                  static_cast<float>(end));
}

void arc(cv::Mat& image, const Box& box, double start, double end, int width) {
  CV_Assert(image.type() == CV_8UC1);
  Canvas canvas(image);
  float al = static_cast<float>(start);
  float ar = static_cast<float>(end);
  normalize_angles(al, ar);
  if (al + 360.0F == ar) {
    ellipse(canvas, c_int(box.x0), c_int(box.y0), c_int(box.x1), c_int(box.y1), false, width);
    return;
  }
  // Partial arcs (arc_init's caps) are not needed by the masks.
  CV_Error(cv::Error::StsNotImplemented, "pillow::arc draws full circles only");
}

}  // namespace mc::core::pillow
