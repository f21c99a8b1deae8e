#pragma once

#include "app/jobs/correction_learning.h"

#include <QCommandLineParser>
#include <QString>

namespace segstudio::cli {

// The learner's knobs on the command line (--learn-from, --learning-rate, --anchor-tiles,
// --decoder-only, --average-weights, --jitter), for measuring alternatives with simulate; each defaults
// to the window's `defaults` (what the window learns with for this command).
void addLearningOptions(QCommandLineParser& parser, const LearningSettings& defaults = LearningSettings());
// Applies the options that were given to `settings`; false with a message on a bad value.
bool readLearningOptions(const QCommandLineParser& parser, LearningSettings& settings, QString* error);

} // namespace segstudio::cli
