#pragma once

#include <QStringList>

namespace segstudio::cli {

// Each takes the arguments after the command name (arguments[0] is the program) and returns
// the process exit code.
int runPredict(const QStringList& arguments);
int runTrain(const QStringList& arguments);
int runEval(const QStringList& arguments);
int runBench(const QStringList& arguments);
int runSimulate(const QStringList& arguments);
int runSimulateDataset(const QStringList& arguments);
int runVectorize(const QStringList& arguments);
int runAreas(const QStringList& arguments);
int runMerge(const QStringList& arguments);
int runExport(const QStringList& arguments);

} // namespace segstudio::cli
