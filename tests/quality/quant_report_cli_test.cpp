// `edgeseek quant-report` end to end on the real model (whose ffn of 172 forces fallbacks) and on
// tiny-qwen2: both files written, the SVG well-formed XML with one labelled point per type in
// each panel, the table a row per type, the temporary directory cleaned up.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "quality/quality_testing.h"
#include "quality/xml_check.h"

namespace edgeseek::test {
namespace {

std::string report_cmd(const std::string& model, const std::string& types, const std::string& out_dir,
                       const std::string& tmp_dir) {
    return "quant-report -m " + sq(model) + " -f " + sq(quality_text()) + " --types " + types + " -o " + sq(out_dir) +
           " --tmp-dir " + sq(tmp_dir) + " -c 64 --chunks 2 -p 16 -n 4 -r 1 -t 2";
}

void check_report(const std::string& dir, const std::vector<std::string>& types) {
    const std::string md = read_all(dir + "/report.md"), svg = read_all(dir + "/report.svg");
    ASSERT_FALSE(md.empty());
    ASSERT_FALSE(svg.empty());
    std::unique_ptr<XmlElement> root;
    try {
        root = XmlParser::parse(svg);
    } catch (const std::exception& e) {
        FAIL() << "report.svg is not well-formed XML: " << e.what() << "\n" << svg;
    }
    EXPECT_EQ(root->name, "svg");
    EXPECT_EQ(root->attrs["xmlns"], "http://www.w3.org/2000/svg");
    for (const char* panel : {"kld-panel", "speed-panel"}) {
        const XmlElement* p = root->find_by_id(panel);
        ASSERT_NE(p, nullptr) << panel;
        std::vector<const XmlElement*> groups;
        p->collect("g", &groups);
        std::multiset<std::string> seen;
        for (const XmlElement* g : groups) {
            auto cls = g->attrs.find("class");
            if (cls == g->attrs.end() || cls->second != "point") continue;
            seen.insert(g->attrs.at("data-type"));
            std::vector<const XmlElement*> circles, labels;
            g->collect("circle", &circles);
            g->collect("text", &labels);
            ASSERT_EQ(circles.size(), 1u);
            ASSERT_EQ(labels.size(), 1u);
            EXPECT_EQ(labels[0]->text, g->attrs.at("data-type"));  // labelled with its type
            for (const char* a : {"cx", "cy"}) {
                const double v = std::stod(circles[0]->attrs.at(a));
                EXPECT_TRUE(std::isfinite(v) && v >= 0 && v <= 1000) << a << "=" << v;
            }
        }
        EXPECT_EQ(seen, std::multiset<std::string>(types.begin(), types.end())) << panel;
    }
    // One table row per type plus the base.
    for (const auto& t : types) EXPECT_NE(md.find("| " + t + " "), std::string::npos) << t << "\n" << md;
    EXPECT_NE(md.find("(base) |"), std::string::npos) << md;
    EXPECT_NE(md.find("report.svg"), std::string::npos);
}

TEST(CliQuantReport, RealModelWithFallbacks) {
    const std::string model = fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string out_dir = dir.file("report"), tmp = dir.file("tmp");
    std::filesystem::create_directory(tmp);
    std::string out;
    ASSERT_EQ(edgeseek(report_cmd(model, "q8_0,q4_0", out_dir, tmp), &out), 0) << out;
    check_report(out_dir, {"q8_0", "q4_0"});
    EXPECT_TRUE(std::filesystem::is_empty(tmp)) << "quantized files left in " << tmp;
    // ffn 172 does not split into 32-value blocks: those tensors fell back, and the table says so.
    EXPECT_NE(read_all(out_dir + "/report.md").find("q4_0 ¹"), std::string::npos);
    // An existing report is not replaced silently.
    EXPECT_EQ(edgeseek(report_cmd(model, "q8_0", out_dir, tmp), &out), 1) << out;
    EXPECT_NE(out.find("--force"), std::string::npos) << out;
}

TEST(CliQuantReport, TinyQwen2) {
    const std::string model = fixture("models/tiny-qwen2-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string out_dir = dir.file("r"), tmp = dir.file("tmp");
    std::filesystem::create_directory(tmp);
    std::string out;
    ASSERT_EQ(edgeseek(report_cmd(model, "q8_0,q2_k", out_dir, tmp), &out), 0) << out;
    check_report(out_dir, {"q8_0", "q2_k"});
    EXPECT_TRUE(std::filesystem::is_empty(tmp));
}

TEST(CliQuantReport, RefusesBadInput) {
    const std::string q8 = fixture("models/tiny-qwen2-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(q8);
    TempDir dir;
    std::string out;
    EXPECT_EQ(edgeseek(report_cmd(q8, "q4_0", dir.file("r"), dir.path()), &out), 1) << out;
    EXPECT_NE(out.find("already quantized"), std::string::npos) << out;
    EXPECT_EQ(edgeseek(report_cmd(q8, "q4_0,q9_9", dir.file("r"), dir.path()), &out), 1) << out;
    EXPECT_NE(out.find("unknown type 'q9_9'"), std::string::npos) << out;
}

TEST(QualityXmlCheck, RejectsMalformedSvg) {
    EXPECT_NO_THROW(XmlParser::parse("<?xml version=\"1.0\"?>\n<svg a=\"1\"><g><text>a &amp; b</text></g></svg>\n"));
    for (const char* bad : {"<svg><g></svg>", "<svg a=1/>", "<svg a=\"1\" a=\"2\"/>", "<svg>a & b</svg>",
                            "<svg/><svg/>", "<svg><text>x</tex></svg>", "<svg>&nbsp;</svg>"}) {
        EXPECT_THROW(XmlParser::parse(bad), std::runtime_error) << bad;
    }
}

}  // namespace
}  // namespace edgeseek::test
