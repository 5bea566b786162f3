using System.Diagnostics;
using System.Reflection;

namespace SpikeFit.TestRunner;

/// <summary>
/// Command line of <c>spikefit-tests</c>: picks test classes by name, runs them in-process and
/// prints failures, skips and one closing count line.
/// </summary>
public static class RunnerCommand
{
    /// <summary>Exit code when a test (or a fixture's cleanup) failed.</summary>
    public const int ExitFailed = 1;

    /// <summary>Exit code when no test passed or failed: no class matched, or every test skipped.</summary>
    public const int ExitNothingRan = 2;

    /// <summary>Exit code for a bad command line.</summary>
    public const int ExitUsage = 3;

    private const string Usage = """
        spikefit-tests — runs SpikeFit's xunit tests without the .NET SDK.

        Usage: spikefit-tests [--filter TEXT]... [--list] [--verbose]
          --filter TEXT  run the classes whose full name contains TEXT (repeatable; any match).
                         Default: every class whose name ends with _Cuda or _OpenCL.
          --list         print the matching tests and exit.
          --verbose, -v  also print each passed test with its time.
        Exit code: 0 some passed and none failed; 1 a failure; 2 nothing ran (no match, or all
        skipped); 3 bad arguments.
        """;

    /// <summary>Entry point: parses <paramref name="args"/>, runs the tests and returns the exit code.</summary>
    public static int Main(string[] args)
    {
        var filters = new List<string>();
        bool list = false, verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--filter" when i + 1 < args.Length:
                    filters.Add(args[++i]);
                    break;
                case "--list":
                    list = true;
                    break;
                case "--verbose" or "-v":
                    verbose = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'\n\n{Usage}");
                    return ExitUsage;
            }
        }

        Func<string, bool> matches = filters.Count > 0
            ? name => filters.Any(f => name.Contains(f, StringComparison.Ordinal))
            : name => name.EndsWith("_Cuda", StringComparison.Ordinal) || name.EndsWith("_OpenCL", StringComparison.Ordinal);

        // The test assembly is a project reference, so it sits beside this executable.
        Assembly tests = typeof(SpikeFit.Tests.Infrastructure.TestBackends).Assembly;
        Console.WriteLine($"spikefit-tests: {tests.Location}");
        Console.WriteLine(filters.Count > 0
            ? $"filter: class name contains {string.Join(" or ", filters.Select(f => $"'{f}'"))}"
            : "filter: class name ends with _Cuda or _OpenCL (default)");

        using var runner = new InProcessRunner(tests);
        var cases = runner.Discover(matches);
        if (list)
        {
            foreach (var name in cases.Select(c => c.DisplayName).Order(StringComparer.Ordinal)) Console.WriteLine(name);
            Console.WriteLine($"{cases.Count} tests");
            return cases.Count > 0 ? 0 : ExitNothingRan;
        }
        if (cases.Count == 0)
        {
            Console.WriteLine("no test matched the filter");
            Console.WriteLine("0 passed, 0 failed, 0 skipped");
            return ExitNothingRan;
        }

        Console.WriteLine($"running {cases.Count} tests");
        var clock = Stopwatch.StartNew();
        var summary = runner.Run(cases, new ConsoleReporter(verbose));
        Console.WriteLine($"time: {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"{summary.Passed} passed, {summary.Failed} failed, {summary.Skipped} skipped");
        if (summary.Failed > 0) return ExitFailed;
        if (summary.Passed == 0)
        {
            Console.WriteLine("nothing ran: every matching test skipped (see the reasons above)");
            return ExitNothingRan;
        }
        return 0;
    }
}
