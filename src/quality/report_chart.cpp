// The quant-report chart: plain SVG 1.1 text, two scatter panels sharing the x axis (file size).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "quality/quant_report.h"

namespace edgeseek {

namespace {

constexpr double kWidth = 980, kHeight = 460;
constexpr double kPlotW = 360, kPlotH = 300, kTop = 70, kLeft1 = 80, kLeft2 = 570;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

std::string xml_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            case '\'': o += "&apos;"; break;
            default: o += c;
        }
    }
    return o;
}

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

std::string tick_label(double v) {
    char b[32];
    std::snprintf(b, sizeof b, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    return b;
}

// Round steps (1, 2, 5 x 10^k) giving about five ticks over [0, hi].
double nice_step(double hi) {
    const double raw = hi / 5.0;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * p >= raw) return m * p;
    }
    return 10 * p;
}

struct Axis {
    double lo, hi;
    bool log;
    double map(double v, double pixels) const {
        const double t = log ? (std::log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
        return t * pixels;
    }
};

struct Point {
    std::string type;
    double x, y;
    size_t color;
};

void frame(std::ostringstream& s, double left, const std::string& title, const std::string& xlabel,
           const std::string& ylabel) {
    s << "  <rect x=\"" << num(left) << "\" y=\"" << num(kTop) << "\" width=\"" << num(kPlotW) << "\" height=\""
      << num(kPlotH) << "\" fill=\"#ffffff\" stroke=\"#444444\"/>\n";
    s << "  <text x=\"" << num(left + kPlotW / 2) << "\" y=\"" << num(kTop - 12)
      << "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" << xml_escape(title) << "</text>\n";
    s << "  <text x=\"" << num(left + kPlotW / 2) << "\" y=\"" << num(kTop + kPlotH + 40)
      << "\" text-anchor=\"middle\" font-size=\"12\">" << xml_escape(xlabel) << "</text>\n";
    const double yx = left - 58, yy = kTop + kPlotH / 2;
    s << "  <text x=\"" << num(yx) << "\" y=\"" << num(yy) << "\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 "
      << num(yx) << " " << num(yy) << ")\">" << xml_escape(ylabel) << "</text>\n";
}

void x_ticks(std::ostringstream& s, double left, const Axis& ax) {
    const double step = nice_step(ax.hi - ax.lo);
    for (double v = std::ceil(ax.lo / step) * step; v <= ax.hi + 1e-9; v += step) {
        const double x = left + ax.map(v, kPlotW);
        s << "  <line x1=\"" << num(x) << "\" y1=\"" << num(kTop + kPlotH) << "\" x2=\"" << num(x) << "\" y2=\""
          << num(kTop + kPlotH + 5) << "\" stroke=\"#444444\"/>\n";
        s << "  <text x=\"" << num(x) << "\" y=\"" << num(kTop + kPlotH + 18) << "\" text-anchor=\"middle\" font-size=\"11\">"
          << tick_label(v) << "</text>\n";
    }
}

void y_ticks(std::ostringstream& s, double left, const Axis& ax) {
    auto tick = [&](double v, const std::string& label) {
        const double y = kTop + kPlotH - ax.map(v, kPlotH);
        s << "  <line x1=\"" << num(left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(left + kPlotW) << "\" y2=\"" << num(y)
          << "\" stroke=\"#e0e0e0\"/>\n";
        s << "  <text x=\"" << num(left - 6) << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\" font-size=\"11\">"
          << label << "</text>\n";
    };
    if (ax.log) {
        for (int e = static_cast<int>(ax.lo); e <= static_cast<int>(ax.hi); ++e) tick(std::pow(10.0, e), "1e" + std::to_string(e));
    } else {
        const double step = nice_step(ax.hi - ax.lo);
        for (double v = 0; v <= ax.hi + 1e-9; v += step) tick(v, tick_label(v));
    }
}

void points(std::ostringstream& s, double left, const Axis& xa, const Axis& ya, std::vector<Point> pts) {
    std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    // Labels go above or below their point, further out while they would overlap one placed
    // before (types of equal size and quality, e.g. after fallbacks, share a spot).
    struct Box {
        double x0, x1, y0, y1;
    };
    std::vector<Box> placed;
    for (const Point& p : pts) {
        const double cx = left + xa.map(p.x, kPlotW), cy = kTop + kPlotH - ya.map(p.y, kPlotH);
        const double half = 3.3 * static_cast<double>(p.type.size()) + 2;
        double ly = cy - 9;
        for (int k = 0; k < 16; ++k) {
            const double step = 13.0 * (k / 2);
            ly = k % 2 == 0 ? cy - 9 - step : cy + 17 + step;
            const Box b{cx - half, cx + half, ly - 10, ly + 2};
            bool clash = false;
            for (const Box& o : placed) clash |= b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1;
            if (!clash) break;
        }
        placed.push_back({cx - half, cx + half, ly - 10, ly + 2});
        s << "  <g class=\"point\" data-type=\"" << xml_escape(p.type) << "\">\n";
        s << "    <circle cx=\"" << num(cx) << "\" cy=\"" << num(cy) << "\" r=\"5\" fill=\""
          << kColors[p.color % (sizeof kColors / sizeof kColors[0])] << "\" fill-opacity=\"0.85\"/>\n";
        s << "    <text x=\"" << num(cx) << "\" y=\"" << num(ly) << "\" text-anchor=\"middle\" font-size=\"11\">"
          << xml_escape(p.type) << "</text>\n";
        s << "  </g>\n";
    }
}

}  // namespace

std::string report_svg(const QuantReport& r) {
    std::vector<const QuantReportRow*> q;
    for (const auto& row : r.rows) {
        if (!row.base) q.push_back(&row);
    }
    const QuantReportRow& base = r.rows.front();
    const bool use_tg = r.bench_gen > 0;
    auto speed = [&](const QuantReportRow& row) { return use_tg ? row.tg.mean : row.pp.mean; };
    auto mib = [](const QuantReportRow& row) { return static_cast<double>(row.file_bytes) / 1048576.0; };

    double xmin = 1e300, xmax = 0, kmin = 1e300, kmax = 0, smax = speed(base);
    for (const auto* row : q) {
        xmin = std::min(xmin, mib(*row));
        xmax = std::max(xmax, mib(*row));
        const double k = std::max(row->kld.kld.mean, 1e-9);
        kmin = std::min(kmin, k);
        kmax = std::max(kmax, k);
        smax = std::max(smax, speed(*row));
    }
    if (q.empty()) xmin = xmax = mib(base), kmin = kmax = 1e-3;
    const double pad = std::max((xmax - xmin) * 0.12, xmax * 0.05 + 1e-6);
    const Axis xa{std::max(0.0, xmin - pad), xmax + pad, false};
    Axis ka{std::floor(std::log10(kmin)), std::ceil(std::log10(kmax)), true};
    if (ka.hi <= ka.lo) ka.hi = ka.lo + 1;
    const Axis sa{0.0, smax > 0 ? smax * 1.15 : 1.0, false};

    std::vector<Point> kp, sp;
    for (size_t i = 0; i < q.size(); ++i) {
        kp.push_back({q[i]->type, mib(*q[i]), std::max(q[i]->kld.kld.mean, 1e-9), i});
        sp.push_back({q[i]->type, mib(*q[i]), speed(*q[i]), i});
    }

    std::ostringstream s;
    s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << num(kWidth) << "\" height=\""
      << num(kHeight) << "\" viewBox=\"0 0 " << num(kWidth) << " " << num(kHeight)
      << "\" font-family=\"sans-serif\">\n";
    s << "  <rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n";
    const std::string name = std::filesystem::path(r.model_path).filename().string();
    s << "  <text x=\"" << num(kWidth / 2) << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">"
      << xml_escape("Quantizations of " + name + " (" + base.type + ", " + num(mib(base)) + " MiB)") << "</text>\n";

    s << " <g id=\"kld-panel\">\n";
    frame(s, kLeft1, "Mean KL divergence vs the base (lower is better)", "file size (MiB)", "mean KLD (nats, log scale)");
    x_ticks(s, kLeft1, xa);
    y_ticks(s, kLeft1, ka);
    points(s, kLeft1, xa, ka, kp);
    s << " </g>\n";

    const std::string what = use_tg ? "generation (tg" + std::to_string(r.bench_gen) + ")"
                                    : "prompt (pp" + std::to_string(r.bench_prompt) + ")";
    s << " <g id=\"speed-panel\">\n";
    frame(s, kLeft2, "Speed: " + what + " tokens/s (higher is better)", "file size (MiB)", "tokens/s");
    x_ticks(s, kLeft2, xa);
    y_ticks(s, kLeft2, sa);
    if (speed(base) > 0) {
        const double y = kTop + kPlotH - sa.map(speed(base), kPlotH);
        s << "  <line class=\"base\" x1=\"" << num(kLeft2) << "\" y1=\"" << num(y) << "\" x2=\"" << num(kLeft2 + kPlotW)
          << "\" y2=\"" << num(y) << "\" stroke=\"#888888\" stroke-dasharray=\"6 4\"/>\n";
        s << "  <text x=\"" << num(kLeft2 + kPlotW - 4) << "\" y=\"" << num(y - 5)
          << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#666666\">" << xml_escape(base.type) << "</text>\n";
    }
    points(s, kLeft2, xa, sa, sp);
    s << " </g>\n";
    s << "</svg>\n";
    return s.str();
}

}  // namespace edgeseek
