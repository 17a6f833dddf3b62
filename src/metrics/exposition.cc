#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace shoal::metrics {

std::string_view ToString(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers up to 2^53 print as integers (counts, bytes); anything else as the shortest
  // text that parses back to the same double.
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : "NaN";
}

std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

void ExpositionWriter::Family(std::string_view name, MetricType type, std::string_view help) {
  family_ = std::string(name);
  text_ += "# HELP " + family_ + " " + Escape(help, /*quote=*/false) + "\n";
  text_ += "# TYPE " + family_ + " " + std::string(ToString(type)) + "\n";
}

void ExpositionWriter::Sample(const LabelPairs& labels, double value, std::string_view suffix) {
  text_ += family_;
  text_ += suffix;
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text_ += ',';
      text_ += labels[i].first + "=\"" + Escape(labels[i].second, /*quote=*/true) + "\"";
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += FormatValue(value);
  text_ += '\n';
}

}  // namespace shoal::metrics
