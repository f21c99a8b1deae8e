#pragma once

#include "annotation/undo_history.h"
#include "app/jobs/correction_learning.h"
#include "inference/tiled_predictor.h"

namespace segstudio {

// Every preference of the editor and the interactive loop, typed, with its QSettings key and its
// default in this one place: the defaults are those of inference::PredictOptions,
// LearningSettings and UndoHistory, and the window, the Preferences dialog and the command line
// all read them from here. (Window geometry and recent files are the main window's own state.)
struct Settings {
    inference::PredictOptions prediction;
    LearningSettings learning;
    bool liveLearning = true;       // learn by itself a moment after the person stops correcting
    int liveLearningDelayMs = 2000; // that moment
    bool segmentOnOpen = true;      // segment the visible area when an image opens with a model
    // Files may read from servers (URLs, VRTs with remote sources, WMS): off, so opening a file
    // never reaches the network unless the person said so (SourcePolicy).
    bool allowNetworkSources = false;
    // The undo history's memory bound (UndoHistory's defaults: 512 MB, at least 10 steps).
    qint64 undoMaxBytes = UndoHistory::DefaultMaxBytes;
    int undoMinDepth = UndoHistory::DefaultMinDepth;
    // How much memory the predicted tiles of the open mask may take before the ones farthest from
    // the view go to the scratch tile store (in the cache folder) until they are looked at again.
    qint64 maskMemoryBytes = 512ll * 1024 * 1024;

    // From QSettings; a missing or out-of-range value takes its default.
    static Settings load();
    // Writes every key (the Preferences dialog's OK).
    void save() const;
    // Puts the process-wide parts into effect (SourcePolicy's network switch).
    void apply() const;
};

} // namespace segstudio
