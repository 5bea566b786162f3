namespace SpikeFit.Experiments.Cli;

/// <summary>
/// What a <c>spikefit</c> exit status means (README "Failure modes"). Scripts and job arrays branch on
/// these: a bad argument is fixed by editing the command, a refusal by fixing the input or choosing
/// <c>--resume</c>/<c>--overwrite</c>, a failure by looking at the run (rerunning it as it is may help).
/// </summary>
public static class ExitCodes
{
    /// <summary>The work was done.</summary>
    public const int Done = 0;
    /// <summary>The work ran and failed: training diverged or ran out of memory, sweep points failed, merge found points missing, an I/O error while writing.</summary>
    public const int Failed = 1;
    /// <summary>Bad arguments: an unknown option, a value out of range, options that conflict or would be ignored, a bad grid, an output path that cannot be written, a warm start or comparison that does not fit the network. Nothing was done.</summary>
    public const int BadArguments = 2;
    /// <summary>Refused: an input file or dataset is missing or damaged, a resume on other data, the requested device is not on this machine, or the output holds an earlier run or is locked by another. Nothing was changed.</summary>
    public const int Refused = 3;
    /// <summary>An internal error (a bug): the stack trace is printed; please report it.</summary>
    public const int InternalError = 70;
    /// <summary>Stopped by Ctrl-C after saving what was done; continue with <c>--resume</c>.</summary>
    public const int Cancelled = 130;

    /// <summary>The exit status for an exception that reached the command line.</summary>
    public static int For(Exception e) => e switch
    {
        ArgumentException => BadArguments,
        InvalidOperationException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or SpikeFit.Training.Data.DatasetNotFoundException or UnauthorizedAccessException => Refused,
        IOException => Failed,
        _ => InternalError,
    };
}
