using System.Reflection;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace SpikeFit.TestRunner;

/// <summary>Counts of one run.</summary>
public readonly record struct RunSummary(int Passed, int Failed, int Skipped);

/// <summary>
/// Discovers and runs an xunit v2 test assembly in this process through xunit's own execution
/// engine (<see cref="XunitTestFramework"/>, from xunit.extensibility.execution, which the test
/// project already references). xunit.runner.utility's <c>AssemblyRunner</c> would wrap the same
/// calls, but that package is not on the registry mirror this project builds from.
/// </summary>
public sealed class InProcessRunner : IDisposable
{
    private readonly Assembly _assembly;
    private readonly XunitTestFramework _framework;

    /// <summary>Prepares to run the tests of <paramref name="assembly"/> (already loaded).</summary>
    public InProcessRunner(Assembly assembly)
    {
        _assembly = assembly;
        _framework = new XunitTestFramework(new DiagnosticSink());
    }

    /// <summary>Every test case whose class's full name satisfies <paramref name="classFilter"/>.</summary>
    public IReadOnlyList<ITestCase> Discover(Func<string, bool> classFilter)
    {
        using var discoverer = _framework.GetDiscoverer(Reflector.Wrap(_assembly));
        using var sink = new DiscoverySink();
        // Theories are expanded per data row so each row reports (and can be listed) on its own.
        var options = new FrameworkOptions();
        options.SetValue("xunit.discovery.PreEnumerateTheories", true);
        discoverer.Find(includeSourceInformation: false, sink, options);
        sink.Done.WaitOne();
        return sink.Cases.Where(c => classFilter(c.TestMethod.TestClass.Class.Name)).ToList();
    }

    /// <summary>Runs <paramref name="cases"/> and reports each outcome to <paramref name="reporter"/>.</summary>
    public RunSummary Run(IReadOnlyList<ITestCase> cases, ConsoleReporter reporter)
    {
        using var executor = _framework.GetExecutor(_assembly.GetName());
        using var sink = new ExecutionSink(reporter);
        executor.RunTests(cases, sink, new FrameworkOptions());
        sink.Done.WaitOne();
        return new RunSummary(sink.Passed, sink.Failed, sink.Skipped);
    }

    /// <inheritdoc />
    public void Dispose() => _framework.Dispose();

    /// <summary>Options bag for discovery and execution; a missing key means xunit's default.</summary>
    private sealed class FrameworkOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = new();

        public TValue GetValue<TValue>(string name) =>
            _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }

    /// <summary>xunit's diagnostics (e.g. a discoverer that failed to load) go to stderr.</summary>
    private sealed class DiagnosticSink : LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is IDiagnosticMessage d) Console.Error.WriteLine($"[xunit] {d.Message}");
            return true;
        }
    }

    private sealed class DiscoverySink : LongLivedMarshalByRefObject, IMessageSink, IDisposable
    {
        public List<ITestCase> Cases { get; } = new();
        public ManualResetEvent Done { get; } = new(false);

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage found:
                    lock (Cases) Cases.Add(found.TestCase);
                    break;
                case IDiscoveryCompleteMessage:
                    Done.Set();
                    break;
            }
            return true;
        }

        public void Dispose() => Done.Dispose();
    }

    private sealed class ExecutionSink(ConsoleReporter reporter) : LongLivedMarshalByRefObject, IMessageSink, IDisposable
    {
        private int _passed, _failed, _skipped;
        public int Passed => _passed;
        public int Failed => _failed;
        public int Skipped => _skipped;
        public ManualResetEvent Done { get; } = new(false);

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestPassed p:
                    Interlocked.Increment(ref _passed);
                    reporter.Passed(p.Test.DisplayName, p.ExecutionTime);
                    break;
                case ITestFailed f:
                    Interlocked.Increment(ref _failed);
                    reporter.Failed(f.Test.DisplayName, FailureText(f) + OutputText(f.Output), StackText(f));
                    break;
                case ITestSkipped s:
                    Interlocked.Increment(ref _skipped);
                    reporter.Skipped(s.Test.DisplayName, s.Reason);
                    break;
                // Failures outside a test (fixture cleanup, a catastrophic error) must fail the run too.
                case ITestAssemblyCleanupFailure or ITestCollectionCleanupFailure or ITestClassCleanupFailure
                    or ITestMethodCleanupFailure or ITestCaseCleanupFailure or ITestCleanupFailure or IErrorMessage:
                    Interlocked.Increment(ref _failed);
                    var info = (IFailureInformation)message;
                    reporter.Failed($"({message.GetType().Name})", FailureText(info), StackText(info));
                    break;
                case ITestAssemblyFinished:
                    Done.Set();
                    break;
            }
            return true;
        }

        public void Dispose() => Done.Dispose();

        /// <summary>Exception type and message, inner exceptions marked with "----".</summary>
        private static string FailureText(IFailureInformation f) =>
            string.Join("\n", Enumerable.Range(0, f.Messages.Length).Select(i =>
                $"{(i > 0 ? "---- " : "")}{f.ExceptionTypes.ElementAtOrDefault(i)}: {f.Messages[i]}"));

        private static string StackText(IFailureInformation f) =>
            string.Join("\n----- inner stack -----\n",
                f.StackTraces.Where(s => !string.IsNullOrWhiteSpace(s)));

        private static string OutputText(string? output) =>
            string.IsNullOrWhiteSpace(output) ? "" : $"\noutput:\n{output.TrimEnd()}";
    }
}
