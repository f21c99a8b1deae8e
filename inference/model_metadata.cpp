#include "inference/model_metadata.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

namespace segstudio::inference {

using nlohmann::json;

std::string metadataToJson(const ModelMetadata& m) {
    json classes = json::array();
    for (const ClassInfo& c : m.classes)
        classes.push_back({{"name", c.name}, {"color", c.color}});
    json history = json::array();
    for (const TrainingRecord& r : m.history)
        history.push_back({{"date", r.date},
                           {"steps", r.steps},
                           {"labelled_pixels", r.labelledPixels},
                           {"final_loss", r.finalLoss},
                           {"notes", r.notes}});
    json out = {{"format", m.format},
                {"name", m.name},
                {"version", m.version},
                {"classes", classes},
                {"mean", m.mean},
                {"std", m.std},
                {"bands", m.architecture.inputChannels},
                {"history", history}};
    if (m.weightsBytes > 0)
        out["weights_bytes"] = m.weightsBytes;
    if (m.format == "segstudio-unet")
        out["architecture"] = {{"encoder", "resnet" + std::to_string(m.architecture.depth)},
                               {"width", m.architecture.width},
                               {"decoder", "unet"}};
    return out.dump(2);
}

std::string architectureProblem(const Architecture& architecture) {
    if (architecture.depth != 18 && architecture.depth != 34)
        return "the encoder must be resnet18 or resnet34";
    if (!(architecture.width >= 0.05 && architecture.width <= 4))
        return "the network's width must be a number from 0.05 to 4";
    if (architecture.inputChannels != 3)
        return "only 3-band (RGB) models are supported";
    return {};
}

bool metadataFromJson(const std::string& text, ModelMetadata& m, std::string* error) {
    auto fail = [error](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    json in;
    try {
        in = json::parse(text);
    } catch (const json::exception& e) {
        // parse_error, and out_of_range for a number no double holds (1e999)
        return fail(std::string("the model's JSON sidecar is not valid JSON (") + e.what() + ")");
    }
    if (!in.is_object())
        return fail("the model's JSON sidecar must be an object");
    try {
        ModelMetadata parsed;
        parsed.format = in.value("format", std::string("torchscript"));
        parsed.name = in.value("name", std::string("model"));
        parsed.version = in.value("version", 1);
        if (parsed.version < 1)
            return fail("\"version\" must be a whole number from 1");
        if (!in.contains("classes") || !in["classes"].is_array() || in["classes"].empty())
            return fail("the model's JSON sidecar has no \"classes\" list (or an empty one)");
        static const std::regex hexColour("#[0-9a-fA-F]{6}");
        for (const json& c : in["classes"]) {
            ClassInfo info;
            info.name = c.at("name").get<std::string>();
            info.color = c.value("color", std::string("#808080"));
            if (!std::regex_match(info.color, hexColour))
                return fail("class \"" + info.name + "\" has colour \"" + info.color +
                            "\"; expected #rrggbb");
            parsed.classes.push_back(info);
        }
        if (parsed.classes.size() > 255)
            return fail("a model may have at most 255 classes (255 means unlabeled)");
        for (const char* key : {"mean", "std"}) {
            if (!in.contains(key))
                continue;
            const auto values = in[key].get<std::vector<float>>();
            if (values.size() != 3)
                return fail(std::string("\"") + key + "\" must hold 3 numbers (R, G, B)");
            auto& target = std::string(key) == "mean" ? parsed.mean : parsed.std;
            std::copy(values.begin(), values.end(), target.begin());
        }
        for (float v : parsed.mean) {
            if (!std::isfinite(v) || std::abs(v) > 1e3f)
                return fail("\"mean\" values must be numbers between -1000 and 1000 (of RGB scaled to 0-1)");
        }
        // A tiny std turns every input into infinities: 1e-3 of the 0-1 scale is already far
        // below one grey level.
        for (float v : parsed.std) {
            if (!std::isfinite(v) || v < 1e-3f || v > 1e3f)
                return fail("\"std\" values must be numbers between 0.001 and 1000 (of RGB scaled to 0-1)");
        }
        parsed.weightsBytes = in.value("weights_bytes", 0LL);
        if (parsed.weightsBytes < 0)
            return fail("\"weights_bytes\" must not be negative");
        parsed.architecture.inputChannels = in.value("bands", 3);
        if (parsed.architecture.inputChannels != 3)
            return fail("only 3-band (RGB) models are supported");
        if (in.contains("architecture")) {
            const json& a = in["architecture"];
            const std::string encoder = a.value("encoder", std::string("resnet18"));
            if (encoder == "resnet18")
                parsed.architecture.depth = 18;
            else if (encoder == "resnet34")
                parsed.architecture.depth = 34;
            else
                return fail("unknown encoder \"" + encoder + "\" (resnet18 or resnet34)");
            parsed.architecture.width = a.value("width", 1.0);
            const std::string problem = architectureProblem(parsed.architecture);
            if (!problem.empty())
                return fail(problem);
        }
        if (in.contains("history")) {
            for (const json& r : in["history"]) {
                TrainingRecord record;
                record.date = r.value("date", std::string());
                record.steps = r.value("steps", 0);
                record.labelledPixels = r.value("labelled_pixels", 0LL);
                record.finalLoss = r.value("final_loss", 0.0);
                if (record.steps < 0 || record.labelledPixels < 0 || !std::isfinite(record.finalLoss))
                    return fail("a \"history\" entry has a negative count or a loss that is not a number");
                record.notes = r.value("notes", std::string());
                parsed.history.push_back(record);
            }
        }
        m = std::move(parsed);
        return true;
    } catch (const json::exception& e) {
        return fail(std::string("the model's JSON sidecar has a field of the wrong type (") + e.what() + ")");
    }
}

} // namespace segstudio::inference
