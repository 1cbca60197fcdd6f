// Reports: the table on stdout, JSON, and a self-contained HTML page with inline SVG charts.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "bench.hpp"

namespace cbench {
namespace {

const char* const kVariants[] = {"conduit", "raw", "go", "boost"};

std::string fmt_ns(double ns) {
  if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e4) return fmt::format("{:.1f} us", ns / 1e3);
  if (ns >= 1e3) return fmt::format("{:.2f} us", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

const figures* find(const mechanism_result& r, const char* v) {
  auto it = r.variants.find(v);
  return it == r.variants.end() ? nullptr : &it->second;
}

std::string cell_rtt(const figures* f) {
  if (f == nullptr) return "-";
  if (!f->rtt) return f->note.empty() ? "-" : f->note;
  return fmt_ns(f->rtt->p50_ns) + " / " + fmt_ns(f->rtt->p99_ns);
}

std::string cell_bulk(const figures* f) {
  if (f == nullptr || !f->gbps) return "-";
  return fmt::format("{:.2f}", *f->gbps);
}

std::string ratio_rtt(const figures* c, const figures* other) {
  if (c == nullptr || other == nullptr || !c->rtt || !other->rtt || other->rtt->p50_ns <= 0) {
    return "-";
  }
  return fmt::format("{:.2f}x", c->rtt->p50_ns / other->rtt->p50_ns);
}

std::string ratio_bulk(const figures* c, const figures* other) {
  if (c == nullptr || other == nullptr || !c->gbps || !other->gbps || *other->gbps <= 0) {
    return "-";
  }
  return fmt::format("{:.2f}x", *c->gbps / *other->gbps);
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

const char* color(const char* v) {
  if (std::string(v) == "conduit") return "#2b6cb0";
  if (std::string(v) == "raw") return "#a0aec0";
  if (std::string(v) == "go") return "#38a169";
  return "#d69e2e";
}

// A horizontal grouped bar chart. value(r, v) returns a figure or a negative number.
template <class F>
std::string svg_chart(const std::vector<mechanism_result>& rs, const std::string& title,
                      bool log_scale, const std::string& unit, F value) {
  const int bar_h = 11, group_gap = 10, label_w = 150, chart_w = 560, top = 34;
  std::vector<const mechanism_result*> rows;
  double lo = 1e300, hi = 0;
  for (const auto& r : rs) {
    bool any = false;
    for (const char* v : kVariants) {
      double x = value(r, v);
      if (x > 0) {
        any = true;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
    if (any) rows.push_back(&r);
  }
  if (rows.empty()) return "<p>No figures for " + escape(title) + ".</p>";
  double lmin = log_scale ? std::floor(std::log10(lo)) : 0;
  double lmax = log_scale ? std::ceil(std::log10(hi)) : hi * 1.1;
  if (log_scale && lmax <= lmin) lmax = lmin + 1;
  auto scale = [&](double x) {
    double f = log_scale ? (std::log10(x) - lmin) / (lmax - lmin) : x / lmax;
    return std::max(2.0, f * chart_w);
  };
  int group_h = 4 * bar_h + group_gap;
  int height = top + static_cast<int>(rows.size()) * group_h + 30;
  int width = label_w + chart_w + 110;
  std::string s = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n",
      width, height, width, height, escape(title));
  s += fmt::format("<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                   escape(title));
  // Grid lines.
  if (log_scale) {
    for (double e = lmin; e <= lmax; e += 1) {
      double x = label_w + (e - lmin) / (lmax - lmin) * chart_w;
      s += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#e2e8f0\"/>"
          "<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" "
          "fill=\"#718096\">{}</text>\n",
          x, top - 6, x, height - 22, x, height - 8, escape(fmt_ns(std::pow(10.0, e))));
    }
  } else {
    for (int k = 0; k <= 4; ++k) {
      double v = lmax * k / 4;
      double x = label_w + chart_w * k / 4.0;
      s += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#e2e8f0\"/>"
          "<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" "
          "fill=\"#718096\">{:.1f} {}</text>\n",
          x, top - 6, x, height - 22, x, height - 8, v, escape(unit));
    }
  }
  int y = top;
  for (const auto* r : rows) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>\n",
                     label_w - 8, y + bar_h * 2, escape(r->name));
    for (int k = 0; k < 4; ++k) {
      const char* v = kVariants[k];
      double x = value(*r, v);
      int by = y + k * bar_h;
      if (x > 0) {
        double w = scale(x);
        std::string label = log_scale ? fmt_ns(x) : fmt::format("{:.2f} {}", x, unit);
        s += fmt::format(
            "<rect class=\"bar {}\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" "
            "fill=\"{}\"><title>{} {}: {}</title></rect>"
            "<text x=\"{:.1f}\" y=\"{}\" font-size=\"9\" fill=\"#4a5568\">{}</text>\n",
            v, label_w, by, w, bar_h - 2, color(v), escape(r->name), v, escape(label),
            label_w + w + 4, by + bar_h - 3, escape(label));
      }
    }
    y += group_h;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace

void print_table(const std::vector<mechanism_result>& rs, const options& o) {
  fmt::print("\n{}-byte round trip (p50 / p99) and {} KiB bulk throughput (GB/s)\n\n", o.size,
             o.bulk_chunk / 1024);
  const char* row =
      "{:<10} {:>20} {:>20} {:>20} {:>20} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6}\n";
  fmt::print(fmt::runtime(row), "mechanism", "conduit rtt", "raw rtt", "go rtt", "boost rtt",
             "c/raw", "c/go", "c/boost", "GB/s:", "c", "raw", "go");
  for (const auto& r : rs) {
    const figures* c = find(r, "conduit");
    const figures* raw = find(r, "raw");
    const figures* go = find(r, "go");
    const figures* bo = find(r, "boost");
    fmt::print(fmt::runtime(row), r.name, cell_rtt(c), cell_rtt(raw), cell_rtt(go), cell_rtt(bo),
               ratio_rtt(c, raw), ratio_rtt(c, go), ratio_rtt(c, bo), "", cell_bulk(c),
               cell_bulk(raw), cell_bulk(go));
  }
  fmt::print(
      "\nc/raw, c/go, c/boost: conduit's p50 round trip over the other's (below 1: conduit is "
      "faster). Bulk c/raw:\n");
  for (const auto& r : rs) {
    std::string t = ratio_bulk(find(r, "conduit"), find(r, "raw"));
    if (t != "-") fmt::print("  {:<10} {}\n", r.name, t);
  }
}

std::string to_json(const std::vector<mechanism_result>& rs, const machine_info& m,
                    const options& o) {
  nlohmann::json j;
  j["tool"] = "conduit-bench";
  j["when"] = now_utc();
  j["machine"] = {{"cpu_model", m.cpu_model}, {"cpus", m.cpus}, {"kernel", m.kernel}};
  j["options"] = {
      {"size", o.size}, {"bulk_chunk", o.bulk_chunk}, {"duration_s", o.duration.count()}};
  for (const auto& r : rs) {
    nlohmann::json jr;
    jr["name"] = r.name;
    jr["title"] = r.title;
    for (const auto& [v, f] : r.variants) {
      nlohmann::json jv;
      if (f.rtt) {
        jv["rtt_ns"] = {{"p50", f.rtt->p50_ns},   {"p99", f.rtt->p99_ns},
                        {"mean", f.rtt->mean_ns}, {"min", f.rtt->min_ns},
                        {"max", f.rtt->max_ns},   {"samples", f.rtt->samples}};
      }
      if (f.gbps) jv["bulk_gbps"] = *f.gbps;
      if (!f.note.empty()) jv["note"] = f.note;
      jr["variants"][v] = jv;
    }
    j["results"].push_back(jr);
  }
  return j.dump(2) + "\n";
}

std::string to_html(const std::vector<mechanism_result>& rs, const machine_info& m,
                    const options& o) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += "<title>conduit-bench report</title>\n<style>\n"
       "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em;"
       "color:#1a202c;max-width:960px}\n"
       "table{border-collapse:collapse;margin:1em 0;font-size:13px}\n"
       "th,td{border-bottom:1px solid #e2e8f0;padding:4px "
       "10px;text-align:right;white-space:nowrap}\n"
       "th:first-child,td:first-child{text-align:left}\n"
       ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;"
       "vertical-align:middle}\n"
       ".faster{color:#2f855a;font-weight:bold}.slower{color:#c53030}\n"
       "</style></head><body>\n";
  h += "<h1>conduit-bench</h1>\n";
  h += fmt::format("<p>{} &middot; {} CPUs &middot; {} &middot; {}</p>\n", escape(m.cpu_model),
                   m.cpus, escape(m.kernel), escape(now_utc()));
  h += fmt::format(
      "<p>Each mechanism measured with conduit and with raw syscalls in the same run "
      "({} ms per measurement); Go's figures come from its peer program when Go is "
      "installed. Round trip: {} bytes there and back; bulk: {} KiB writes.</p>\n",
      static_cast<int>(o.duration.count() * 1000), o.size, o.bulk_chunk / 1024);
  h += "<p class=\"legend\"><span style=\"background:#2b6cb0\"></span>conduit"
       "<span style=\"background:#a0aec0\"></span>raw syscalls"
       "<span style=\"background:#38a169\"></span>Go"
       "<span style=\"background:#d69e2e\"></span>Boost</p>\n";
  h += svg_chart(rs, "Round trip, p50 (log scale, shorter is faster)", true, "ns",
                 [](const mechanism_result& r, const char* v) {
                   const figures* f = find(r, v);
                   return f != nullptr && f->rtt ? f->rtt->p50_ns : -1.0;
                 });
  h += svg_chart(rs, "Bulk throughput (longer is faster)", false, "GB/s",
                 [](const mechanism_result& r, const char* v) {
                   const figures* f = find(r, v);
                   return f != nullptr && f->gbps ? *f->gbps : -1.0;
                 });
  h += "<h2>Figures</h2>\n<table><tr><th>mechanism</th><th>conduit p50 / p99</th>"
       "<th>raw p50 / p99</th><th>Go p50 / p99</th><th>Boost p50 / p99</th><th>conduit/raw</th>"
       "<th>conduit/Go</th><th>conduit/Boost</th>"
       "<th>conduit GB/s</th><th>raw GB/s</th><th>Go GB/s</th></tr>\n";
  for (const auto& r : rs) {
    const figures* c = find(r, "conduit");
    const figures* raw = find(r, "raw");
    const figures* go = find(r, "go");
    const figures* bo = find(r, "boost");
    auto ratio_cell = [&](const figures* other) {
      std::string t = ratio_rtt(c, other);
      if (t == "-") return t;
      bool faster = c->rtt->p50_ns <= other->rtt->p50_ns;
      return fmt::format("<span class=\"{}\">{}</span>", faster ? "faster" : "slower", t);
    };
    h += fmt::format(
        "<tr><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(r.title), escape(r.name), escape(cell_rtt(c)), escape(cell_rtt(raw)),
        escape(cell_rtt(go)), escape(cell_rtt(bo)), ratio_cell(raw), ratio_cell(go), ratio_cell(bo),
        escape(cell_bulk(c)), escape(cell_bulk(raw)), escape(cell_bulk(go)));
  }
  h += "</table>\n<h2>Mechanisms</h2>\n<ul>\n";
  for (const auto& r : rs) {
    h += fmt::format("<li><b>{}</b>: {}</li>\n", escape(r.name), escape(r.title));
  }
  h += "</ul>\n</body></html>\n";
  return h;
}

}  // namespace cbench
