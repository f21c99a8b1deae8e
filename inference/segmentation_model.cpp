#include "inference/segmentation_model.h"

#include "inference/archive_check.h"
#include "inference/model_impl.h"
#include "storage/atomic_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace segstudio::inference {
namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& path, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (error)
            *error = "cannot read " + path.string();
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<torch::Tensor> stateOf(const ResNetUNet& network) {
    std::vector<torch::Tensor> state = network->parameters(true);
    for (const auto& b : network->buffers(true))
        state.push_back(b);
    return state;
}

std::vector<torch::Tensor> stateOf(const torch::jit::Module& script) {
    std::vector<torch::Tensor> state;
    for (const auto& p : script.parameters())
        state.push_back(p);
    for (const auto& b : script.buffers())
        state.push_back(b);
    return state;
}

// Copies `source` (stateTensors' order) into `target`, converting device and dtype.
void copyState(const std::vector<torch::Tensor>& source, std::vector<torch::Tensor> target) {
    c10::InferenceMode normalTensors(false);
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < target.size() && i < source.size(); ++i)
        target[i].copy_(source[i]);
}

// The weights and statistics in full precision: those a move to a lower one set aside, or the
// model's own.
std::vector<torch::Tensor> fullPrecisionState(const SegmentationModel::Impl& impl) {
    return impl.fullPrecision.empty() ? impl.stateTensors() : impl.fullPrecision;
}

// A CPU, fp32 copy of the built-in network with the same weights and statistics.
ResNetUNet cpuCopy(const SegmentationModel::Impl& impl) {
    auto copy = ResNetUNet(impl.metadata.architecture, static_cast<int64_t>(impl.metadata.classes.size()));
    copyState(fullPrecisionState(impl), stateOf(copy));
    return copy;
}

// The same for a TorchScript model.
torch::jit::Module cpuCopyOfScript(const SegmentationModel::Impl& impl) {
    torch::NoGradGuard noGrad;
    torch::jit::Module copy = impl.script->clone();
    copy.to(torch::kCPU, torch::kFloat32);
    if (!impl.fullPrecision.empty())
        copyState(impl.fullPrecision, stateOf(copy));
    return copy;
}

std::string firstLine(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

torch::Tensor logitsOf(const torch::IValue& output) {
    if (output.isTensor())
        return output.toTensor();
    if (output.isGenericDict()) {
        const auto dict = output.toGenericDict();
        if (dict.contains("out"))
            return dict.at("out").toTensor();
    }
    if (output.isTuple() && !output.toTupleRef().elements().empty() &&
        output.toTupleRef().elements()[0].isTensor())
        return output.toTupleRef().elements()[0].toTensor();
    throw std::runtime_error("the model's output is neither a tensor nor a dict with \"out\"");
}

} // namespace

std::string sidecarPath(const std::string& modelPath) {
    return fs::path(modelPath).replace_extension(".json").string();
}

torch::Tensor SegmentationModel::Impl::forward(const torch::Tensor& input) {
    if (builtIn) {
        if (builtIn->is_training())
            return builtIn->forward(input);
        if (!frozenBuiltIn) {
            const auto first = builtIn->parameters().front();
            frozenBuiltIn = foldedCopy(first.dim() == 4 && !first.is_contiguous() &&
                                       first.is_contiguous(torch::MemoryFormat::ChannelsLast));
        }
        return frozenBuiltIn->forward(input);
    }
    const bool optimisable = !script->is_training() && device.is_cpu() && dtype == torch::kFloat32;
    if (optimisable && !inferenceScript && !inferenceScriptFailed) {
        try {
            // Frozen constants must be ordinary tensors, whatever mode the caller runs in.
            c10::InferenceMode normalTensors(false);
            torch::jit::Module copy = script->clone();
            copy.eval();
            torch::jit::Module frozen = torch::jit::freeze(copy);
            inferenceScript = torch::jit::optimize_for_inference(frozen);
        } catch (const c10::Error&) {
            inferenceScriptFailed = true; // some scripted models cannot be frozen: run them as they are
        }
    }
    if (optimisable && inferenceScript)
        return logitsOf(inferenceScript->forward({input}));
    return logitsOf(script->forward({input}));
}

ResNetUNet SegmentationModel::Impl::foldedCopy(bool channelsLast) const {
    // Ordinary tensors (not inference tensors), whatever mode the caller runs in.
    c10::InferenceMode normalTensors(false);
    torch::NoGradGuard noGrad;
    auto copy = cpuCopy(*this);
    copy->foldBatchNorm(); // in fp32, then cast: the folded weights lose no more than the originals
    copy->to(device, dtype);
    if (channelsLast)
        for (auto& p : copy->parameters())
            if (p.dim() == 4)
                p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    copy->eval();
    return copy;
}

torch::Tensor SegmentationModel::Impl::forwardAsLoaded(const torch::Tensor& input) {
    return builtIn ? builtIn->forward(input) : logitsOf(script->forward({input}));
}

std::vector<torch::Tensor> SegmentationModel::Impl::parameters() {
    if (builtIn)
        return builtIn->parameters();
    std::vector<torch::Tensor> out;
    for (const auto& p : script->parameters())
        out.push_back(p);
    return out;
}

std::vector<torch::Tensor> SegmentationModel::Impl::decoderParameters() {
    std::vector<torch::Tensor> out;
    if (!builtIn)
        return out;
    for (const torch::nn::Module* part : {static_cast<torch::nn::Module*>(builtIn->up3.get()),
                                          static_cast<torch::nn::Module*>(builtIn->up2.get()),
                                          static_cast<torch::nn::Module*>(builtIn->up1.get()),
                                          static_cast<torch::nn::Module*>(builtIn->up0.get()),
                                          static_cast<torch::nn::Module*>(builtIn->head.get())})
        for (const auto& p : part->parameters())
            out.push_back(p);
    return out;
}

void SegmentationModel::Impl::setTraining(bool training) {
    if (builtIn) {
        builtIn->train(training);
        if (training)
            weightsChanged(); // they are about to
        return;
    }
    script->train(training);
    if (training)
        weightsChanged(); // they are about to
}

void SegmentationModel::Impl::useChannelsLast() {
    if (!builtIn)
        return;
    for (auto& p : builtIn->parameters())
        if (p.dim() == 4)
            p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    weightsChanged();
}

void SegmentationModel::Impl::weightsChanged() {
    inferenceScript.reset();
    frozenBuiltIn = nullptr;
}

void SegmentationModel::Impl::freezeBatchNorm() {
    if (builtIn) {
        for (auto& module : builtIn->modules(false)) {
            if (module->as<torch::nn::BatchNorm2d>())
                module->eval();
        }
        return;
    }
    for (const auto& child : script->named_modules()) {
        const auto type = child.value.type()->name();
        if (type && type->name().find("BatchNorm") != std::string::npos) {
            torch::jit::Module batchNorm = child.value; // a handle: same module
            batchNorm.train(false);
        }
    }
}

std::vector<torch::Tensor> SegmentationModel::Impl::stateTensors() const {
    return builtIn ? stateOf(builtIn) : stateOf(*script);
}

void SegmentationModel::Impl::moveTo(torch::Device target, torch::ScalarType type) {
    if (target == device && type == dtype)
        return;
    if (type != torch::kFloat32 && fullPrecision.empty()) {
        c10::InferenceMode normalTensors(false);
        torch::NoGradGuard noGrad;
        for (const auto& t : stateTensors())
            fullPrecision.push_back(t.detach().cpu().clone()); // never device memory
    }
    if (builtIn)
        builtIn->to(target, type);
    else
        script->to(target, type);
    if (type == torch::kFloat32 && !fullPrecision.empty()) {
        copyState(fullPrecision, stateTensors());
        fullPrecision.clear();
    }
    weightsChanged();
    device = target;
    dtype = type;
}

SegmentationModel::SegmentationModel(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {
}
SegmentationModel::~SegmentationModel() = default;

std::unique_ptr<SegmentationModel> SegmentationModel::createBuiltIn(const ModelMetadata& metadata,
                                                                    uint64_t seed) {
    torch::manual_seed(seed);
    auto impl = std::make_unique<Impl>();
    impl->metadata = metadata;
    impl->metadata.format = "segstudio-unet";
    impl->builtIn = ResNetUNet(metadata.architecture, static_cast<int64_t>(metadata.classes.size()));
    return std::unique_ptr<SegmentationModel>(new SegmentationModel(std::move(impl)));
}

std::unique_ptr<SegmentationModel> SegmentationModel::load(const std::string& pathText, std::string* error) {
    fs::path path(pathText);
    if (fs::is_directory(path))
        path /= "model.pt";
    const std::string shown = path.filename().string();
    std::function<std::nullptr_t(const std::string&)> fail = [shown, error](const std::string& why) {
        if (error)
            *error = "Cannot load model " + shown + ": " + why;
        return nullptr;
    };
    if (!fs::exists(path))
        return fail("the file does not exist.");
    const fs::path sidecar = sidecarPath(path.string());
    if (!fs::exists(sidecar))
        return fail("its JSON sidecar " + sidecar.filename().string() +
                    " is missing (it names the classes, their colours and the input normalisation).");
    std::string why;
    const std::string json = readText(sidecar, &why);
    ModelMetadata metadata;
    if (json.empty() || !metadataFromJson(json, metadata, &why))
        return fail(why.empty() ? "its JSON sidecar is empty." : why + ".");

    // Weights of another size than the sidecar was saved with: whatever else fails below, say
    // that the two files do not belong together (an interrupted copy, a mix of two saves).
    std::error_code sizeError;
    const auto bytes = fs::file_size(path, sizeError);
    const bool mismatched =
        metadata.weightsBytes > 0 && !sizeError && static_cast<long long>(bytes) != metadata.weightsBytes;
    if (mismatched) {
        const std::string hint =
            " Its weights (" + std::to_string(bytes) +
            " bytes) are not the ones its sidecar was saved with (" + std::to_string(metadata.weightsBytes) +
            " bytes): the two files come from different saves, or the weights are damaged.";
        auto original = fail;
        fail = [original, hint, error](const std::string& why) {
            original(why);
            if (error)
                *error += hint;
            return nullptr;
        };
    }
    const std::string damage = archiveDamage(path.string());
    if (!damage.empty())
        return fail("it is damaged: " + damage + " (bytes changed after it was saved).");
    auto impl = std::make_unique<Impl>();
    impl->metadata = metadata;
    const auto classes = static_cast<int64_t>(metadata.classes.size());
    try {
        if (metadata.format == "segstudio-unet") {
            impl->builtIn = ResNetUNet(metadata.architecture, classes);
            torch::load(impl->builtIn, path.string());
        } else {
            impl->script = torch::jit::load(path.string(), torch::kCPU);
            if (!impl->script->find_method("forward"))
                return fail(
                    "it is not a TorchScript model (it has no forward method; weights saved by segstudio "
                    "need \"format\": \"segstudio-unet\" in the sidecar).");
        }
    } catch (const c10::Error& e) {
        const std::string why = firstLine(e.what_without_backtrace());
        // Not a zip archive at all: random bytes, a truncated copy, another kind of file.
        if (why.find("PytorchStreamReader") != std::string::npos ||
            why.find("zip archive") != std::string::npos)
            return fail("it is not a PyTorch file (" + std::to_string(bytes) +
                        " bytes that are not a model archive: damaged, truncated, or another kind of file).");
        return fail(metadata.format == "segstudio-unet"
                        ? "the weights do not fit the network its sidecar describes (" +
                              firstLine(e.what_without_backtrace()) + ")."
                        : "it is not a TorchScript model (" + firstLine(e.what_without_backtrace()) + ").");
    } catch (const std::exception& e) {
        // TorchScript's own parser throws std::runtime_error on code it cannot read (a damaged or
        // crafted archive): found by fuzz/model_bundle_fuzzer.cpp.
        // Our own weights are such an archive too (torch::save writes TorchScript).
        return fail((metadata.format == "segstudio-unet"
                         ? "its weights file is damaged: the code stored in it"
                         : "it is a damaged TorchScript model: its code") +
                    std::string(" cannot be read (") + firstLine(e.what()) + ").");
    }
    // One small forward pass proves the model runs and has as many outputs as the sidecar has
    // classes: a mismatch would otherwise surface as nonsense colours much later.
    try {
        torch::InferenceMode guard;
        impl->setTraining(false);
        const torch::Tensor logits = impl->forwardAsLoaded(torch::zeros({1, 3, 64, 64}));
        if (logits.dim() != 4 || logits.size(0) != 1)
            return fail("its output has shape " + c10::str(logits.sizes()) + "; expected N×C×H×W.");
        if (logits.size(1) != classes)
            return fail("it predicts " + std::to_string(logits.size(1)) + " classes but its sidecar lists " +
                        std::to_string(classes) + ".");
    } catch (const std::exception& e) {
        return fail(std::string("it fails on a 64×64 RGB input (") + firstLine(e.what()) + ").");
    }
    if (mismatched) // they load together, but the classes or normalisation may be another save's
        return fail("its weights and its sidecar do not belong together.");
    return std::unique_ptr<SegmentationModel>(new SegmentationModel(std::move(impl)));
}

bool SegmentationModel::save(const std::string& pathText, std::string* error) const {
    fs::path path(pathText);
    // A folder (or a name ending in a separator) gets the name load() looks for in a folder.
    if (path.filename().empty() || fs::is_directory(path))
        path /= "model.pt";
    if (path.extension() != ".pt")
        path += ".pt";
    if (path.has_parent_path() && !storage::makeFolders(path.parent_path().string(), error))
        return false;
    // Serialised in memory first: both files are then written through our own exclusive
    // temporaries and replaced as one group, never the weights without their sidecar.
    std::ostringstream weights;
    try {
        if (m_impl->builtIn) {
            // Always store fp32 weights on the CPU, whatever the model runs on now.
            torch::save(cpuCopy(*m_impl), weights);
        } else {
            cpuCopyOfScript(*m_impl).save(weights);
        }
    } catch (const c10::Error& e) {
        if (error)
            *error = "cannot save the model: " + firstLine(e.what_without_backtrace());
        return false;
    }
    const std::string weightBytes = weights.str();
    ModelMetadata metadata = m_impl->metadata;
    metadata.weightsBytes = static_cast<long long>(weightBytes.size());
    const std::string json = metadataToJson(metadata);
    storage::PendingFile weightsFile, sidecarFile;
    return weightsFile.create(path.string(), error) &&
           weightsFile.write(weightBytes.data(), weightBytes.size(), error) &&
           sidecarFile.create(sidecarPath(path.string()), error) &&
           sidecarFile.write(json.data(), json.size(), error) &&
           storage::commitGroup({&weightsFile, &sidecarFile}, error);
}

std::unique_ptr<SegmentationModel> SegmentationModel::clone() const {
    auto impl = std::make_unique<Impl>();
    impl->metadata = m_impl->metadata;
    if (m_impl->builtIn) {
        impl->builtIn = cpuCopy(*m_impl);
    } else {
        impl->script = cpuCopyOfScript(*m_impl);
    }
    return std::unique_ptr<SegmentationModel>(new SegmentationModel(std::move(impl)));
}

const ModelMetadata& SegmentationModel::metadata() const {
    return m_impl->metadata;
}

ModelMetadata& SegmentationModel::metadata() {
    return m_impl->metadata;
}

int SegmentationModel::classCount() const {
    return static_cast<int>(m_impl->metadata.classes.size());
}

bool SegmentationModel::isTorchScript() const {
    return m_impl->script.has_value();
}

long long SegmentationModel::parameterCount() const {
    long long count = 0;
    for (const auto& p : m_impl->parameters())
        count += p.numel();
    return count;
}

uint64_t SegmentationModel::weightsDigest() const {
    // FNV-1a over 64-bit words: a cache key, not a checksum against tampering.
    uint64_t digest = 14695981039346656037ull;
    const auto mix = [&digest](uint64_t word) {
        digest ^= word;
        digest *= 1099511628211ull;
    };
    torch::NoGradGuard noGrad;
    // The exact fp32 weights of a model predicting in a lower precision are kept aside.
    const std::vector<torch::Tensor> state =
        m_impl->fullPrecision.empty() ? m_impl->stateTensors() : m_impl->fullPrecision;
    for (const auto& tensor : state) {
        const torch::Tensor values = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
        const auto* bytes = static_cast<const unsigned char*>(values.data_ptr());
        const size_t size = values.nbytes();
        mix(size);
        size_t at = 0;
        for (; at + sizeof(uint64_t) <= size; at += sizeof(uint64_t)) {
            uint64_t word;
            std::memcpy(&word, bytes + at, sizeof word);
            mix(word);
        }
        for (; at < size; ++at)
            mix(bytes[at]);
    }
    return digest;
}

double SegmentationModel::multiplyAddsPerPixel() const {
    return m_impl->builtIn ? m_impl->builtIn->multiplyAddsPerPixel() : 0.0;
}

} // namespace segstudio::inference
