#pragma once
// Private to inference/: LibTorch types.

#include "inference/model_metadata.h"

#include <torch/torch.h>

namespace segstudio::inference {

// A ResNet basic block: two 3×3 convolutions with batch norm and an identity (or 1×1
// projection) shortcut.
struct BasicBlockImpl : torch::nn::Module {
    BasicBlockImpl(int64_t in, int64_t out, int64_t stride);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Sequential shortcut{nullptr};
};
TORCH_MODULE(BasicBlock);

// Upsamples ×2, concatenates the encoder's skip connection, and fuses with two 3×3 convs.
struct DecoderBlockImpl : torch::nn::Module {
    DecoderBlockImpl(int64_t in, int64_t skip, int64_t out);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip);

    torch::nn::Sequential fuse{nullptr};
};
TORCH_MODULE(DecoderBlock);

// The built-in segmentation network: ResNet-18/34 encoder (widths scaled by a multiplier) and
// a U-Net decoder over its four skip connections. Input N×3×H×W with H and W multiples of 32;
// output N×C×H×W logits.
struct ResNetUNetImpl : torch::nn::Module {
    ResNetUNetImpl(const Architecture& architecture, int64_t classes);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Sequential stem{nullptr};
    torch::nn::MaxPool2d pool{nullptr};
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
    DecoderBlock up3{nullptr}, up2{nullptr}, up1{nullptr}, up0{nullptr};
    torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(ResNetUNet);

} // namespace segstudio::inference
