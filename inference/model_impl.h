#pragma once
// Private to inference/: what a SegmentationModel is made of in LibTorch terms.

#include "inference/resnet_unet.h"
#include "inference/segmentation_model.h"

#include <optional>
#include <torch/script.h>
#include <torch/torch.h>

namespace segstudio::inference {

struct SegmentationModel::Impl {
    ModelMetadata metadata;
    ResNetUNet builtIn{nullptr};
    std::optional<torch::jit::Module> script;
    torch::Device device{torch::kCPU};
    torch::ScalarType dtype = torch::kFloat32;
    // What a TorchScript model predicts with on the CPU in fp32: a frozen copy (weights as
    // constants, batch norm folded into the convolutions) optimised for inference (prepacked
    // oneDNN convolutions): `predict` with deeplabv3_resnet50 runs 1.23x faster (README).
    // Built on first use and dropped when the weights may change (training, a move).
    std::optional<torch::jit::Module> inferenceScript;
    bool inferenceScriptFailed = false;
    // The built-in network's counterpart: a copy with batch norm folded into the convolutions
    // (ResNetUNetImpl::foldBatchNorm), on the model's device and in its dtype; made on the first
    // forward pass in inference mode, dropped with inferenceScript.
    ResNetUNet frozenBuiltIn{nullptr};
    // The exact fp32 parameters and buffers (in stateTensors' order) of a model moved to a lower
    // precision, kept on the CPU: moving back to fp32 restores them, and clone and save
    // read them. Predicting in bf16 or fp16 thus never rounds the weights that learning starts
    // from, that a save writes or that another version's comparison predicts with.
    std::vector<torch::Tensor> fullPrecision;

    // Logits N×C×H×W for a normalised N×3×H×W input; unwraps torchvision's {"out": …}. In
    // inference mode through the frozen copy (frozenBuiltIn or inferenceScript) where there is one.
    torch::Tensor forward(const torch::Tensor& input);
    // The same through the network as loaded or trained, never a frozen copy.
    torch::Tensor forwardAsLoaded(const torch::Tensor& input);
    // The built-in network with batch norm folded into the convolutions (its running statistics
    // as they are now), on the model's device and in its dtype, in inference mode, its
    // convolution weights channels-last if asked: what frozenBuiltIn is made of.
    ResNetUNet foldedCopy(bool channelsLast) const;
    // Drops the frozen copies: to be called whenever the weights or their layout change.
    void weightsChanged();
    std::vector<torch::Tensor> parameters();
    // Parameters, then buffers: every tensor a move converts, in an order fixed by the network.
    std::vector<torch::Tensor> stateTensors() const;
    // The decoder's and the head's parameters of the built-in network (its encoder excluded);
    // empty for a TorchScript model, whose parts have no names we know.
    std::vector<torch::Tensor> decoderParameters();
    void setTraining(bool training);
    // Keeps batch-norm layers in inference mode (running statistics fixed) while training.
    void freezeBatchNorm();
    void moveTo(torch::Device device, torch::ScalarType dtype);
    // The built-in network's convolution weights in the channels-last layout (a TorchScript
    // model follows its input's layout); the frozen copy is rebuilt to match.
    void useChannelsLast();
};

} // namespace segstudio::inference
