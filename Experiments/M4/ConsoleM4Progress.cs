using System.Diagnostics;
using Spectre.Console;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// Console progress for <c>reproduce m4</c>: on a terminal, a live bar for the whole plan (runs done /
/// total, ETA) and one for the current run's batches; on redirected output (CI logs), one line per run
/// start, a line every quarter of a run, and one line per finished row.
/// </summary>
public sealed class ConsoleM4Progress : IM4Progress
{
    private readonly ProgressContext? _live;
    private ProgressTask? _plan, _run;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _total, _startDone, _lastQuarter;
    private string _current = "";

    public ConsoleM4Progress(ProgressContext? live) => _live = live;

    public void PlanStarted(int total, int alreadyDone)
    {
        _total = total;
        _startDone = alreadyDone;
        _clock.Restart();
        if (alreadyDone > 0) Line($"resuming: {alreadyDone} of {total} rows already in runs.csv are kept, not recomputed");
        if (_live is not null)
        {
            _plan = _live.AddTask($"[bold]plan[/] {alreadyDone}/{total} runs", maxValue: total);
            _plan.Value = alreadyDone;
        }
        else Line($"plan: {total} runs");
    }

    public void RunStarted(string description, int batches)
    {
        _current = description;
        _lastQuarter = 0;
        if (_live is not null)
        {
            _run?.StopTask();
            _run = _live.AddTask(Markup.Escape(description), maxValue: Math.Max(1, batches));
        }
        else Line($"  {description}: training {batches} batches");
    }

    public void Batch(int done, int total, double loss)
    {
        if (_run is not null)
        {
            _run.Value = done;
            _run.Description = $"{Markup.Escape(_current)} loss {loss:F3}";
        }
        else if (_live is null && total > 0)
        {
            int quarter = 4 * done / total;
            if (quarter > _lastQuarter && quarter < 4) { _lastQuarter = quarter; Line($"    {_current}: {done}/{total} batches, loss {loss:F3}"); }
        }
    }

    public void RunFinished(M4Row row, int done, int total)
    {
        _run?.StopTask();
        _run = null;
        int fresh = done - _startDone;
        double perRun = fresh > 0 ? _clock.Elapsed.TotalSeconds / fresh : 0;
        var eta = TimeSpan.FromSeconds(perRun * (total - done));
        string bits = row.Bits is > 1 and < 32 ? $" b={row.Bits}" : "";
        string msg = $"[{done}/{total}] {row.Net} seed {row.Seed} {row.Method}{bits}: {row.AccuracyPct:F2} %, " +
                     $"{row.MaxUniqueValues} values, {row.ModelSizeKib:F1} KiB, {row.EnergyUj:F3} µJ, {row.TrainSeconds:F0} s; ETA {eta:hh\\:mm\\:ss}";
        if (_plan is not null)
        {
            _plan.Value = done;
            _plan.Description = $"[bold]plan[/] {done}/{total} runs, ETA {eta:hh\\:mm\\:ss}";
        }
        Line(msg);
    }

    public void Skipped(string rowKey) { }

    public void Note(string message) => Line(message);

    private static void Line(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
