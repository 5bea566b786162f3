using SpikeFit.Training.Train;
using Spectre.Console;

namespace SpikeFit.Experiments.Cli;

/// <summary>
/// A progress bar per epoch (samples/s, loss, ETA) on a terminal; on redirected output a line
/// every tenth of an epoch instead, so logs stay readable.
/// </summary>
public static class TrainProgress
{
    public static TrainResult Run(Trainer trainer, TrainOptions options, Func<Trainer, TrainResult> fit)
    {
        if (Console.IsOutputRedirected)
        {
            Action<BatchProgress> log = p =>
            {
                int every = Math.Max(1, p.Batches / 10);
                if ((p.Batch + 1) % every == 0 || p.Batch + 1 == p.Batches)
                    Console.WriteLine($"  epoch {p.Epoch + 1}/{options.Epochs} batch {p.Batch + 1}/{p.Batches}: loss {p.Loss:F4}, " +
                                      $"{p.SamplesPerSecond:F0} samples/s, lr {p.LearningRate:G3}");
            };
            trainer.BatchDone += log;
            try { return fit(trainer); }
            finally { trainer.BatchDone -= log; }
        }
        TrainResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                int taskEpoch = -1;
                Action<BatchProgress> update = p =>
                {
                    if (p.Epoch != taskEpoch)
                    {
                        task?.StopTask();
                        task = ctx.AddTask($"epoch {p.Epoch + 1}/{options.Epochs}", maxValue: p.Batches);
                        taskEpoch = p.Epoch;
                    }
                    task!.Value = p.Batch + 1;
                    task.Description = $"epoch {p.Epoch + 1}/{options.Epochs} loss {p.Loss:F4} {p.SamplesPerSecond:F0} samples/s";
                };
                trainer.BatchDone += update;
                try { result = fit(trainer); }
                finally { trainer.BatchDone -= update; task?.StopTask(); }
            });
        return result!;
    }
}
