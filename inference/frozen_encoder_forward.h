#pragma once
// Private to inference/: LibTorch types.

#include "inference/model_impl.h"

#include <vector>

namespace segstudio::inference {

// The training forward pass of the built-in network when only its decoder and head learn and
// its batch norm is frozen (fine-tuning on corrections). The encoder is then a fixed function of
// the window: it runs as the predictor runs it, from a copy with batch norm folded into the
// convolutions and without building a graph, and only the decoder is differentiated. In the
// channels-last layout the decoder's convolution weights and the features it reads are
// channels-last while it trains and go back to the plain layout when this object goes, whatever
// way training ends: the model leaves training as it came. On a 2-core Xeon with AMX a learning
// round's 40 steps of four 256² windows took 6.6-7.6 s this way against 7.9-8.3 s before
// (docs/learning.md, twelfth series).
class FrozenEncoderForward {
public:
    // `decoder`: the parameters being trained (SegmentationModel::Impl::decoderParameters).
    FrozenEncoderForward(SegmentationModel::Impl& model, std::vector<torch::Tensor> decoder,
                         bool channelsLast);
    ~FrozenEncoderForward();
    FrozenEncoderForward(const FrozenEncoderForward&) = delete;
    FrozenEncoderForward& operator=(const FrozenEncoderForward&) = delete;

    // Logits N×C×H×W for a normalised N×3×H×W batch, differentiable in the decoder's parameters.
    torch::Tensor logits(const torch::Tensor& input);

    // Whether `model`, trained with these options, can take this path: a built-in network,
    // decoder only, batch norm frozen.
    static bool applies(const SegmentationModel::Impl& model, bool decoderOnly, bool freezeBatchNorm);

private:
    SegmentationModel::Impl& m_model;
    ResNetUNet m_encoder{nullptr}; // the folded copy; its decoder is never run
    std::vector<torch::Tensor> m_decoder;
    torch::MemoryFormat m_layout;
};

} // namespace segstudio::inference
