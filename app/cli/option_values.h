#pragma once

#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

namespace segstudio::cli {

// Numbers of the command line read strictly ("12abc", "nan" and "1e999" are errors, not 0) and
// against a range, with an error that names the option: every option is checked before any work
// starts, so a long run never fails on its arguments at the end.
bool intOption(const QCommandLineParser& parser, const QString& name, int min, int max, int& value,
               QString* error);
bool doubleOption(const QCommandLineParser& parser, const QString& name, double min, double max,
                  double& value, QString* error);

// A file a command will write, by the option that names it.
struct OutputFile {
    QString option; // "output", "confidence"
    QString path;
};

// Before any work: each output can be written (its folder exists or can be made, and we may
// write there; it is not a folder), and no output is an input or another output (the same file
// by any name, links included). `inputs` are every file the command reads.
bool checkOutputs(const QList<OutputFile>& outputs, const QStringList& inputs, QString* error);

} // namespace segstudio::cli
