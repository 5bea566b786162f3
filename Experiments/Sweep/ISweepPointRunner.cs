namespace SpikeFit.Experiments.Sweep;

/// <summary>
/// Runs one grid point of a sweep for one <c>method</c>. Registered by name in
/// <see cref="SweepMethods"/>; the sweep picks the runner by the point's <c>method</c> key.
/// </summary>
/// <remarks>
/// A runner must be quiet (the sweep owns the console: one progress display and one line per
/// point) and deterministic in the point's values, so a resumed or sharded sweep gets the rows an
/// uninterrupted one would. It may call <see cref="SweepContext.ReportProgress"/> to move the
/// per-point progress bar.
/// </remarks>
public interface ISweepPointRunner
{
    /// <summary>
    /// Runs the point and returns its result columns, in the order they should appear in the table
    /// (e.g. <c>test_accuracy</c> first: the sweep prints the first two in its per-point line).
    /// Column names are lower-case snake_case and must not clash with a grid key or a column the
    /// sweep adds itself (<see cref="SweepColumns.Reserved"/>).
    /// </summary>
    /// <param name="point">The point: its id and the value of every key the grid sets.</param>
    /// <param name="context">The shared backend, dataset and output folder of the sweep.</param>
    /// <param name="cancel">Fires on a second Ctrl-C: abandon the point by throwing
    /// <see cref="OperationCanceledException"/> (it is then not recorded, and reruns on --resume).</param>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> fired.</exception>
    IReadOnlyDictionary<string, string> Run(SweepPoint point, SweepContext context, CancellationToken cancel);

    /// <summary>
    /// Checks a point before anything runs (ranges, combinations the method cannot do); throws
    /// <see cref="ArgumentException"/> with a message that names the key. The sweep calls it on every
    /// point of the grid when the grid is parsed, so a bad value fails in seconds rather than hours in.
    /// </summary>
    void Validate(SweepPoint point) { }
}
