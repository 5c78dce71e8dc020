using System.Diagnostics;
using Sprout.Data;
using Sprout.Init;
using static TorchSharp.torch;

namespace Sprout.Bench.Peers;

/// <summary>
/// Measures what only a fresh process shows. Cold start: from starting a process to the end of the first forward pass
/// of the book's MLP (deferred initialization included for Sprout), timed by the parent, which waits for the child's
/// "ready" line. Peak RSS: a child loads Fashion-MNIST, trains the MLP for one epoch and reports its VmHWM.
/// Each child runs one library only, so neither pays for loading the other.
/// </summary>
internal static class ColdStart
{
    public const string ChildCommand = "child";

    /// <summary>Runs a child's part: <c>child cold|rss|rss-resnet32|rss-resnet64 sprout|torch</c>.</summary>
    public static int RunChild(string what, string library)
    {
        if (what == "cold")
        {
            if (library == "sprout") SproutFirstForward(); else TorchFirstForward();
            Console.WriteLine("ready");
        }
        else if (what.StartsWith(ResNetRss, StringComparison.Ordinal))
        {
            int batch = int.Parse(what[ResNetRss.Length..], System.Globalization.CultureInfo.InvariantCulture);
            var steps = library == "sprout" ? SproutSide.ResNetSteps(batch, 3) : TorchResNet.Steps(batch, 3);
            steps();
            Console.WriteLine(PeakResidentKiB());
        }
        else
        {
            var data = FashionMnist.Load(Split.Train);
            var epoch = library == "sprout" ? SproutMlpEpoch(data) : TorchMlpEpoch(data);
            epoch();
            Console.WriteLine(PeakResidentKiB());
        }
        return 0;
    }

    private static void SproutFirstForward()
    {
        var net = Sprout.Bench.Models.Mlp();
        net.Initialize(new Normal(0.01f));
        net.Forward(Tensor.Zeros(256, 1, 28, 28));
    }

    private static void TorchFirstForward()
    {
        var net = TorchSide.Initialized(TorchSide.Mlp(), "normal");
        using var _ = no_grad();
        net.forward(zeros(256, 1, 28, 28));
    }

    private static Func<int> SproutMlpEpoch(Dataset data) =>
        SproutSide.Epoch(data, Sprout.Bench.Models.Mlp(), new Normal(0.01f), new Sprout.Training.Sgd(0.1f));

    private static Func<int> TorchMlpEpoch(Dataset data)
    {
        var (images, labels) = TorchSide.Load(data);
        var net = TorchSide.Initialized(TorchSide.Mlp(), "normal");
        return TorchSide.Epoch(images, labels, net, TorchSharp.torch.optim.SGD(net.parameters(), 0.1));
    }

    private static long PeakResidentKiB()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]);
    }

    /// <summary>Median seconds from process start to "ready", Sprout and TorchSharp children alternating.</summary>
    public static (double Sprout, double Torch) FirstForward(int runs)
    {
        var sprout = new double[runs];
        var torch = new double[runs];
        Child("cold", "sprout");
        Child("cold", "torch");   // warm the file cache for both
        for (int r = 0; r < runs; r++)
        {
            sprout[r] = Child("cold", "sprout").Seconds;
            torch[r] = Child("cold", "torch").Seconds;
        }
        return (AbRunner.Median(sprout), AbRunner.Median(torch));
    }

    private const string ResNetRss = "rss-resnet";

    /// <summary>Median peak resident set (MiB) of a process that loads the data and trains the MLP for one epoch.</summary>
    public static (double Sprout, double Torch) PeakRss(int runs) => PeakRss("rss", runs);

    /// <summary>Median peak resident set (MiB) of a process that trains the book's ResNet-18 for 3 steps at <paramref name="batch"/> (96×96), on all cores (each library's default).</summary>
    public static (double Sprout, double Torch) ResNetPeakRss(int batch, int runs) => PeakRss(ResNetRss + batch.ToString(System.Globalization.CultureInfo.InvariantCulture), runs);

    private static (double Sprout, double Torch) PeakRss(string what, int runs)
    {
        var sprout = new double[runs];
        var torch = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            sprout[r] = long.Parse(Child(what, "sprout").Output) / 1024.0;
            torch[r] = long.Parse(Child(what, "torch").Output) / 1024.0;
        }
        return (AbRunner.Median(sprout), AbRunner.Median(torch));
    }

    private static (double Seconds, string Output) Child(string what, string library)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        string self = Environment.GetCommandLineArgs()[0];
        bool viaHost = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet";
        if (viaHost && self.EndsWith(".dll", StringComparison.Ordinal)) start.ArgumentList.Add(self);   // run as `dotnet X.dll`; the apphost needs no path
        foreach (var arg in new[] { ChildCommand, what, library }) start.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        string output = process.StandardOutput.ReadLine() ?? "";
        double seconds = clock.Elapsed.TotalSeconds;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || output.Length == 0)
            throw new InvalidOperationException($"The {library} {what} child exited with code {process.ExitCode} and printed '{output}'. Its error output:\n{error}");
        return (seconds, output.Trim());
    }
}
