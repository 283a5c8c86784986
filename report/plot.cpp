#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#ifdef HAYLOFT_HAVE_CAIRO
#include <cairo-svg.h>
#include <cairo.h>
#endif

#include "util/error.hpp"

namespace hayloft::report {

namespace {

// Layout in points (SVG) or pixels (PNG).
constexpr double kCell = 56;
constexpr double kLeft = 70;    // room for depth labels
constexpr double kTop = 44;     // room for the title
constexpr double kBottom = 46;  // room for length labels and the axis name
constexpr double kRight = 16;
constexpr double kBar = 80;         // bar chart: width per bar
constexpr double kBarLeft = 50;     // room for the 0..1 axis labels
constexpr double kBarHeight = 200;  // height of the 0..1 axis

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void validate(const Heatmap& map) {
  if (map.lengths.empty() || map.depths.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "a heat map needs at least one length and one depth");
  }
  if (map.values.size() != map.depths.size()) {
    throw Error(ErrorKind::kInvalidArgument, "heat map values must have one row per depth");
  }
  for (const auto& row : map.values) {
    if (row.size() != map.lengths.size()) {
      throw Error(ErrorKind::kInvalidArgument, "heat map rows must have one value per length");
    }
    for (double v : row) {
      if (!std::isnan(v) && (v < 0 || v > 1)) {
        throw Error(ErrorKind::kInvalidArgument, "heat map values are hit rates in 0..1");
      }
    }
  }
}

void validate(const BarChart& chart) {
  if (chart.labels.empty()) throw Error(ErrorKind::kInvalidArgument, "a bar chart needs at least one bar");
  if (chart.values.size() != chart.labels.size() ||
      (!chart.errors.empty() && chart.errors.size() != chart.labels.size())) {
    throw Error(ErrorKind::kInvalidArgument, "a bar chart needs one value (and one error) per label");
  }
  for (size_t i = 0; i < chart.values.size(); ++i) {
    if (!(chart.values[i] >= 0 && chart.values[i] <= 1)) {
      throw Error(ErrorKind::kInvalidArgument, "bar values must be within 0..1", chart.labels[i]);
    }
    if (!chart.errors.empty() && !(chart.errors[i] >= 0)) {
      throw Error(ErrorKind::kInvalidArgument, "bar errors must not be negative", chart.labels[i]);
    }
  }
}

#ifdef HAYLOFT_HAVE_CAIRO
// Red (0) -> yellow (0.5) -> green (1).
void set_colour(cairo_t* cr, double v) {
  if (std::isnan(v)) {
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
  } else if (v < 0.5) {
    cairo_set_source_rgb(cr, 0.86, 0.20 + 1.3 * v * 0.6, 0.18);
  } else {
    cairo_set_source_rgb(cr, 0.86 - (v - 0.5) * 1.3, 0.80, 0.18 + (v - 0.5) * 0.3);
  }
}

void centred_text(cairo_t* cr, const std::string& text, double x, double y) {
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text.c_str(), &ext);
  cairo_move_to(cr, x - ext.width / 2 - ext.x_bearing, y - ext.height / 2 - ext.y_bearing);
  cairo_show_text(cr, text.c_str());
}

// White page, the title centred on top, then black 11-point text for what follows.
void begin_chart(cairo_t* cr, const std::string& title, double width) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_font_size(cr, 14);
  centred_text(cr, title, width / 2, kTop / 2);
  cairo_set_font_size(cr, 11);
}

void draw(cairo_t* cr, const Heatmap& map, double width, double height) {
  begin_chart(cr, map.title, width);
  for (size_t r = 0; r < map.depths.size(); ++r) {
    double y = kTop + kCell * static_cast<double>(r);
    for (size_t c = 0; c < map.lengths.size(); ++c) {
      double x = kLeft + kCell * static_cast<double>(c);
      double v = map.values[r][c];
      set_colour(cr, v);
      cairo_rectangle(cr, x, y, kCell - 2, kCell - 2);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.0f%%", v * 100);
      centred_text(cr, std::isnan(v) ? "-" : buf, x + kCell / 2 - 1, y + kCell / 2 - 1);
    }
    char depth[16];
    std::snprintf(depth, sizeof depth, "%g%%", map.depths[r]);
    centred_text(cr, depth, kLeft / 2 + 8, y + kCell / 2 - 1);
  }
  double axis_y = kTop + kCell * static_cast<double>(map.depths.size());
  for (size_t c = 0; c < map.lengths.size(); ++c) {
    centred_text(cr, length_label(map.lengths[c]), kLeft + kCell * (static_cast<double>(c) + 0.5), axis_y + 12);
  }
  centred_text(cr, "context length (tokens)", kLeft + kCell * static_cast<double>(map.lengths.size()) / 2,
               height - 12);
  cairo_save(cr);
  cairo_translate(cr, 14, kTop + kCell * static_cast<double>(map.depths.size()) / 2);
  cairo_rotate(cr, -M_PI / 2);
  centred_text(cr, "needle depth", 0, 0);
  cairo_restore(cr);
}

// Bars on a 0..1 axis with gridlines every 0.25, value printed above each whisker.
void draw(cairo_t* cr, const BarChart& chart, double width, double height) {
  begin_chart(cr, chart.title, width);
  const double base = kTop + kBarHeight;  // y of value 0
  for (int t = 0; t <= 4; ++t) {
    double y = base - kBarHeight * t / 4.0;
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_move_to(cr, kBarLeft, y);
    cairo_line_to(cr, width - kRight, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", t / 4.0);
    centred_text(cr, buf, kBarLeft - 18, y);
  }
  for (size_t i = 0; i < chart.labels.size(); ++i) {
    const double x = kBarLeft + kBar * static_cast<double>(i);
    const double v = chart.values[i], e = chart.errors.empty() ? 0 : chart.errors[i];
    cairo_set_source_rgb(cr, 0.27, 0.51, 0.71);
    cairo_rectangle(cr, x + kBar * 0.2, base - kBarHeight * v, kBar * 0.6, kBarHeight * v);
    cairo_fill(cr);
    const double lo = std::max(0.0, v - e), hi = std::min(1.0, v + e);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, x + kBar / 2, base - kBarHeight * lo);
    cairo_line_to(cr, x + kBar / 2, base - kBarHeight * hi);
    cairo_move_to(cr, x + kBar * 0.4, base - kBarHeight * hi);
    cairo_line_to(cr, x + kBar * 0.6, base - kBarHeight * hi);
    cairo_move_to(cr, x + kBar * 0.4, base - kBarHeight * lo);
    cairo_line_to(cr, x + kBar * 0.6, base - kBarHeight * lo);
    cairo_stroke(cr);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    centred_text(cr, buf, x + kBar / 2, base - kBarHeight * hi - 8);
    centred_text(cr, chart.labels[i], x + kBar / 2, base + 12);
  }
  centred_text(cr, chart.y_label, kBarLeft + kBar * static_cast<double>(chart.labels.size()) / 2, height - 12);
}
#endif


void check_extension(const std::string& path) {
  if (!ends_with(path, ".svg") && !ends_with(path, ".png")) {
    throw Error(ErrorKind::kInvalidArgument, "plots are written as .svg or .png", path);
  }
}

#ifdef HAYLOFT_HAVE_CAIRO
// Creates the surface for `path` (.svg or .png), lets `paint` draw on it and writes the file.
template <typename Paint>
void render(const std::string& path, double width, double height, const Paint& paint) {
  const bool svg = ends_with(path, ".svg"), png = !svg;
  cairo_surface_t* surface = svg ? cairo_svg_surface_create(path.c_str(), width, height)
                                 : cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(width),
                                                              static_cast<int>(height));
  cairo_t* cr = cairo_create(surface);
  paint(cr);
  cairo_destroy(cr);
  cairo_status_t status = png ? cairo_surface_write_to_png(surface, path.c_str()) : CAIRO_STATUS_SUCCESS;
  cairo_surface_finish(surface);  // SVG is written out here
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::kIo, std::string("cannot write the plot: ") + cairo_status_to_string(status), path);
  }
}
#endif

}  // namespace

void write_heatmap(const Heatmap& map, const std::string& path) {
  check_extension(path);
  validate(map);
#ifdef HAYLOFT_HAVE_CAIRO
  const double width = kLeft + kCell * static_cast<double>(map.lengths.size()) + kRight;
  const double height = kTop + kCell * static_cast<double>(map.depths.size()) + kBottom;
  render(path, width, height, [&](cairo_t* cr) { draw(cr, map, width, height); });
#else
  throw Error(ErrorKind::kUnsupported, "this build has no Cairo, so it cannot draw plots", path);
#endif
}

void write_bar_chart(const BarChart& chart, const std::string& path) {
  check_extension(path);
  validate(chart);
#ifdef HAYLOFT_HAVE_CAIRO
  const double width = kBarLeft + kBar * static_cast<double>(chart.labels.size()) + kRight;
  const double height = kTop + kBarHeight + kBottom;
  render(path, width, height, [&](cairo_t* cr) { draw(cr, chart, width, height); });
#else
  throw Error(ErrorKind::kUnsupported, "this build has no Cairo, so it cannot draw plots", path);
#endif
}

}  // namespace hayloft::report
