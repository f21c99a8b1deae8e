#include "inference/resnet_unet.h"

#include <cmath>

namespace segstudio::inference {
namespace nn = torch::nn;
namespace {

// Appends conv → batch norm → ReLU to `sequence` (kept flat: LibTorch cannot nest Sequentials).
nn::Sequential& appendConvBnRelu(nn::Sequential& sequence, int64_t in, int64_t out, int64_t kernel = 3,
                                 int64_t stride = 1) {
    sequence->push_back(
        nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false)));
    sequence->push_back(nn::BatchNorm2d(out));
    sequence->push_back(nn::ReLU(nn::ReLUOptions(true)));
    return sequence;
}

nn::Sequential convBnRelu(int64_t in, int64_t out, int64_t kernel = 3, int64_t stride = 1) {
    nn::Sequential sequence;
    return appendConvBnRelu(sequence, in, out, kernel, stride);
}

int64_t scaled(int64_t channels, double width) {
    return std::max<int64_t>(8, static_cast<int64_t>(std::lround(channels * width / 8.0)) * 8);
}

nn::Sequential resLayer(int64_t in, int64_t out, int blocks, int64_t stride) {
    nn::Sequential layer;
    layer->push_back(BasicBlock(in, out, stride));
    for (int i = 1; i < blocks; ++i)
        layer->push_back(BasicBlock(out, out, 1));
    return layer;
}

// `conv` then `batchNorm` in inference mode as one convolution: weights scaled per output
// channel by γ/√(σ² + ε), bias (b − μ)·γ/√(σ² + ε) + β.
nn::Conv2d foldedConvolution(const nn::Conv2d& conv, const nn::BatchNorm2d& batchNorm) {
    torch::NoGradGuard noGrad;
    const auto& o = conv->options;
    nn::Conv2d folded(nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                          .stride(o.stride())
                          .padding(o.padding())
                          .dilation(o.dilation())
                          .groups(o.groups())
                          .padding_mode(o.padding_mode())
                          .bias(true));
    const auto scale = batchNorm->weight / torch::sqrt(batchNorm->running_var + batchNorm->options.eps());
    folded->weight.copy_(conv->weight * scale.view({-1, 1, 1, 1}));
    const auto bias = conv->bias.defined() ? conv->bias : torch::zeros_like(batchNorm->running_mean);
    folded->bias.copy_((bias - batchNorm->running_mean) * scale + batchNorm->bias);
    folded->to(conv->weight.device(), conv->weight.scalar_type());
    return folded;
}

// The same layers with every convolution followed by a batch norm made one convolution.
nn::Sequential foldedSequence(const nn::Sequential& sequence) {
    nn::Sequential out;
    for (size_t i = 0; i < sequence->size(); ++i) {
        const auto conv = std::dynamic_pointer_cast<nn::Conv2dImpl>(sequence->ptr(i));
        const auto next = i + 1 < sequence->size()
                              ? std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(sequence->ptr(i + 1))
                              : nullptr;
        if (conv && next) {
            out->push_back(foldedConvolution(nn::Conv2d(conv), nn::BatchNorm2d(next)));
            ++i;
        } else {
            out->push_back(*(sequence->begin() + std::ptrdiff_t(i))); // ReLU, pooling: shared as they are
        }
    }
    return out;
}

// `sequence` applied to `x`, each batch norm in inference mode written out as the per-channel
// scale and shift it is: the same function, and what LibTorch's own batch-norm backward does
// slowly in the channels-last layout (frozen statistics, trained γ and β: fine-tuning).
torch::Tensor runSequence(nn::Sequential& sequence, torch::Tensor x) {
    for (size_t i = 0; i < sequence->size(); ++i) {
        const auto norm = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(sequence->ptr(i));
        if (norm && !norm->is_training()) {
            const auto scale = norm->weight * torch::rsqrt(norm->running_var + norm->options.eps());
            const auto shift = norm->bias - norm->running_mean * scale;
            x = x * scale.view({1, -1, 1, 1}) + shift.view({1, -1, 1, 1});
        } else {
            x = (sequence->begin() + std::ptrdiff_t(i))->forward(x);
        }
    }
    return x;
}

// Multiply-adds per output pixel of the convolutions of `module` (itself included), all of
// which write at one resolution.
double convolutionMultiplyAdds(const nn::Module& module) {
    double sum = 0;
    for (const auto& child : module.modules(/*include_self=*/true))
        if (const auto* conv = child->as<nn::Conv2d>()) {
            const auto& o = conv->options;
            double kernel = 1;
            for (const auto k : *o.kernel_size())
                kernel *= double(k);
            sum += double(o.in_channels()) / double(o.groups()) * double(o.out_channels()) * kernel;
        }
    return sum;
}

} // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride) {
    conv1 = register_module("conv1",
                            nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(out));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
        shortcut = register_module(
            "shortcut", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                       nn::BatchNorm2d(out)));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
    if (folded) {
        const torch::Tensor y = conv2(torch::relu(conv1(x)));
        return torch::relu(y + (shortcut ? shortcut->forward(x) : x));
    }
    torch::Tensor y = torch::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    return torch::relu(y + (shortcut ? shortcut->forward(x) : x));
}

void BasicBlockImpl::foldBatchNorm() {
    if (folded)
        return;
    conv1 = replace_module("conv1", foldedConvolution(conv1, bn1));
    conv2 = replace_module("conv2", foldedConvolution(conv2, bn2));
    if (shortcut)
        shortcut = replace_module("shortcut", foldedSequence(shortcut));
    folded = true;
}

double BasicBlockImpl::multiplyAddsPerOutputPixel() const {
    return convolutionMultiplyAdds(*this);
}

DecoderBlockImpl::DecoderBlockImpl(int64_t in, int64_t skip, int64_t out) {
    nn::Sequential layers = convBnRelu(in + skip, out);
    fuse = register_module("fuse", appendConvBnRelu(layers, out, out));
}

torch::Tensor DecoderBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& skip) {
    const auto up =
        torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
    return runSequence(fuse, torch::cat({up, skip}, 1));
}

void DecoderBlockImpl::foldBatchNorm() {
    fuse = replace_module("fuse", foldedSequence(fuse));
}

ResNetUNetImpl::ResNetUNetImpl(const Architecture& a, int64_t classes) {
    const std::array<int, 4> blocks =
        a.depth == 34 ? std::array<int, 4>{3, 4, 6, 3} : std::array<int, 4>{2, 2, 2, 2};
    const int64_t c0 = scaled(64, a.width), c1 = scaled(64, a.width), c2 = scaled(128, a.width),
                  c3 = scaled(256, a.width), c4 = scaled(512, a.width);
    stem = register_module("stem", convBnRelu(a.inputChannels, c0, 7, 2));                       // 1/2
    pool = register_module("pool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1))); // 1/4
    layer1 = register_module("layer1", resLayer(c0, c1, blocks[0], 1));                          // 1/4
    layer2 = register_module("layer2", resLayer(c1, c2, blocks[1], 2));                          // 1/8
    layer3 = register_module("layer3", resLayer(c2, c3, blocks[2], 2));                          // 1/16
    layer4 = register_module("layer4", resLayer(c3, c4, blocks[3], 2));                          // 1/32
    up3 = register_module("up3", DecoderBlock(c4, c3, c3));
    up2 = register_module("up2", DecoderBlock(c3, c2, c2));
    up1 = register_module("up1", DecoderBlock(c2, c1, c1));
    up0 = register_module("up0", DecoderBlock(c1, c0, scaled(32, a.width)));
    const int64_t headChannels = scaled(16, a.width);
    nn::Sequential headLayers = convBnRelu(scaled(32, a.width), headChannels);
    headLayers->push_back(nn::Conv2d(nn::Conv2dOptions(headChannels, classes, 1)));
    head = register_module("head", headLayers);
    for (auto& module : modules(false)) {
        if (auto* conv = module->as<nn::Conv2d>())
            nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
}

torch::Tensor ResNetUNetImpl::forward(const torch::Tensor& x) {
    return decode(encode(x), x.size(2), x.size(3));
}

ResNetUNetImpl::Features ResNetUNetImpl::encode(const torch::Tensor& x) {
    Features f;
    f.s0 = stem->forward(x);
    f.s1 = layer1->forward(pool(f.s0));
    f.s2 = layer2->forward(f.s1);
    f.s3 = layer3->forward(f.s2);
    f.s4 = layer4->forward(f.s3);
    return f;
}

torch::Tensor ResNetUNetImpl::decode(const Features& f, int64_t height, int64_t width) {
    torch::Tensor d = up3(f.s4, f.s3);
    d = up2(d, f.s2);
    d = up1(d, f.s1);
    d = up0(d, f.s0); // 1/2
    d = torch::nn::functional::interpolate(d, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{height, width})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
    return runSequence(head, d);
}

void ResNetUNetImpl::foldBatchNorm() {
    stem = replace_module("stem", foldedSequence(stem));
    for (nn::Sequential* layer : {&layer1, &layer2, &layer3, &layer4})
        for (size_t i = 0; i < (*layer)->size(); ++i)
            (*layer)[i]->as<BasicBlock>()->foldBatchNorm();
    for (DecoderBlock* block : {&up3, &up2, &up1, &up0})
        (*block)->foldBatchNorm();
    head = replace_module("head", foldedSequence(head));
}

double ResNetUNetImpl::multiplyAddsPerPixel() const {
    // Each part writes at 1/2^k of the input's side, so 1/4^k of its pixels.
    const std::pair<const nn::Module*, double> parts[] = {
        {stem.get(), 1.0 / 4},     {layer1.get(), 1.0 / 16},   {layer2.get(), 1.0 / 64},
        {layer3.get(), 1.0 / 256}, {layer4.get(), 1.0 / 1024}, {up3.get(), 1.0 / 256},
        {up2.get(), 1.0 / 64},     {up1.get(), 1.0 / 16},      {up0.get(), 1.0 / 4},
        {head.get(), 1.0}};
    double sum = 0;
    for (const auto& [part, share] : parts)
        sum += convolutionMultiplyAdds(*part) * share;
    return sum;
}

} // namespace segstudio::inference
