#include "inference/model_metadata.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

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
    if (m.inputScale != 1.0) // absent from older sidecars, which mean 1
        out["input_scale"] = m.inputScale;
    if (m.format == "segstudio-unet")
        out["architecture"] = {{"encoder", "resnet" + std::to_string(m.architecture.depth)},
                               {"width", m.architecture.width},
                               {"decoder", "unet"}};
    return out.dump(2);
}

namespace {

// "#rrggbb", as class colours are written.
bool isHexColour(const std::string& text) {
    return text.size() == 7 && text[0] == '#' &&
           std::all_of(text.begin() + 1, text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Numbers read without undefined behaviour: nlohmann converts a double to an int (or a float)
// with a plain cast, which is undefined when the value does not fit (1e27 steps). A value out of
// [low, high] or not a number throws json::type_error-like out_of_range, reported as a field of
// the wrong type.
double numberField(const json& object, const char* key, double fallback, double low, double high) {
    if (!object.contains(key))
        return fallback;
    const json& value = object.at(key);
    if (!value.is_number())
        throw std::out_of_range(std::string("\"") + key + "\" must be a number");
    const double number = value.get<double>();
    if (!std::isfinite(number) || number < low || number > high)
        throw std::out_of_range(std::string("\"") + key + "\" must be a number from " + std::to_string(low) +
                                " to " + std::to_string(high));
    return number;
}

long long wholeField(const json& object, const char* key, long long fallback, long long low, long long high) {
    if (!object.contains(key))
        return fallback;
    const json& value = object.at(key);
    if (value.is_number_integer() && !value.is_number_unsigned()) {
        const long long number = value.get<long long>();
        if (number >= low && number <= high)
            return number;
    } else if (value.is_number_unsigned()) {
        const unsigned long long number = value.get<unsigned long long>();
        if (number <= static_cast<unsigned long long>(high) && static_cast<long long>(number) >= low)
            return static_cast<long long>(number);
    } else if (value.is_number_float()) {
        const double number = value.get<double>();
        if (std::isfinite(number) && number == std::floor(number) && number >= double(low) &&
            number <= double(high))
            return static_cast<long long>(number);
    }
    throw std::out_of_range(std::string("\"") + key + "\" must be a whole number from " +
                            std::to_string(low) + " to " + std::to_string(high));
}

} // namespace

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
        parsed.version = int(wholeField(in, "version", 1, 1, std::numeric_limits<int>::max()));
        if (!in.contains("classes") || !in["classes"].is_array() || in["classes"].empty())
            return fail("the model's JSON sidecar has no \"classes\" list (or an empty one)");
        for (const json& c : in["classes"]) {
            ClassInfo info;
            info.name = c.at("name").get<std::string>();
            info.color = c.value("color", std::string("#808080"));
            if (!isHexColour(info.color))
                return fail("class \"" + info.name + "\" has colour \"" + info.color +
                            "\"; expected #rrggbb");
            parsed.classes.push_back(info);
        }
        if (parsed.classes.size() > 255)
            return fail("a model may have at most 255 classes (255 means unlabeled)");
        for (const char* key : {"mean", "std"}) {
            if (!in.contains(key))
                continue;
            const json& values = in[key];
            if (!values.is_array() || values.size() != 3)
                return fail(std::string("\"") + key + "\" must hold 3 numbers (R, G, B)");
            auto& target = std::string(key) == "mean" ? parsed.mean : parsed.std;
            for (size_t i = 0; i < 3; ++i) {
                // Checked as a double first: a double out of a float's range is undefined to cast.
                const double value = values[i].is_number() ? values[i].get<double>() : std::nan("");
                if (!std::isfinite(value) || std::abs(value) > 1e3)
                    return fail(std::string("\"") + key + "\" values must be numbers between -1000 and 1000");
                target[i] = static_cast<float>(value);
            }
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
        parsed.weightsBytes = wholeField(in, "weights_bytes", 0, 0, std::numeric_limits<long long>::max());
        parsed.inputScale = numberField(in, "input_scale", 1.0, -1e9, 1e9);
        if (!(parsed.inputScale >= MinInputScale && parsed.inputScale <= MaxInputScale))
            return fail("\"input_scale\" must be from 0.25 to 4 (the factor images are resized by)");
        parsed.architecture.inputChannels = int(wholeField(in, "bands", 3, 1, 1024));
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
            parsed.architecture.width = numberField(a, "width", 1.0, -1e9, 1e9);
            const std::string problem = architectureProblem(parsed.architecture);
            if (!problem.empty())
                return fail(problem);
        }
        if (in.contains("history")) {
            for (const json& r : in["history"]) {
                TrainingRecord record;
                record.date = r.value("date", std::string());
                if (!r.is_object())
                    return fail("every \"history\" entry must be an object");
                record.steps = int(wholeField(r, "steps", 0, 0, std::numeric_limits<int>::max()));
                record.labelledPixels =
                    wholeField(r, "labelled_pixels", 0, 0, std::numeric_limits<long long>::max());
                record.finalLoss = numberField(r, "final_loss", 0.0, -1e300, 1e300);
                record.notes = r.value("notes", std::string());
                parsed.history.push_back(record);
            }
        }
        m = std::move(parsed);
        return true;
    } catch (const json::exception& e) {
        return fail(std::string("the model's JSON sidecar has a field of the wrong type (") + e.what() + ")");
    } catch (const std::out_of_range& e) {
        return fail(std::string("the model's JSON sidecar has a value out of range: ") + e.what());
    }
}

} // namespace segstudio::inference
