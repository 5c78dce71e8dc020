using Sprout.Bench.Peers;
using Sprout.Data;
using Sprout.Init;
using static TorchSharp.torch;

// Sprout against TorchSharp (libtorch, MKL, OpenMP) on the book's workloads, in one run, alternating A/B.
// Usage: dotnet run -c Release --project bench/Sprout.Bench.Peers -- [all|mlp|lenet|modern|step|cold|resnet|transformer|vit|gru|decoder] [runs]
if (args is [ColdStart.ChildCommand, var what, var library]) return ColdStart.RunChild(what, library);

string which = args.Length > 0 ? args[0] : "all";
int runs = args.Length > 1 ? int.Parse(args[1]) : 5;
string[] known = ["all", "mlp", "lenet", "modern", "step", "cold", "resnet", "transformer", "vit", "gru", "decoder"];
if (!known.Contains(which))
{
    Console.Error.WriteLine($"Unknown workload '{which}'; expected one of: {string.Join(", ", known)}, then an optional run count.");
    return 2;
}
bool Wants(string name) => which == "all" || which == name;

Console.WriteLine($"Sprout vs TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} (libtorch {__version__}); {Environment.ProcessorCount} cores; medians of {runs} alternating runs");
var data = FashionMnist.Load(Split.Train);
Console.WriteLine($"Data: {data.Source}, {data.Count:N0} images; batch 256; same sample order in both");
var (images, labels) = TorchSide.Load(data);

foreach (int threads in ThreadCounts())
{
    Sprout.Threads.Count = threads;
    set_num_threads(threads);
    Console.WriteLine($"\n== {threads} thread{(threads > 1 ? "s" : "")} ==");
    var workloads = new List<Workload>();
    if (Wants("mlp"))
        workloads.Add(new("(1) MLP 784-256-10 epoch", "samples",
            SproutSide.Epoch(data, Sprout.Bench.Models.Mlp(), new Normal(0.01f), new Sprout.Training.Sgd(0.1f)),
            TorchEpoch(TorchSide.Mlp(), "normal", p => optim.SGD(p, 0.1))));
    if (Wants("lenet"))
        workloads.Add(new("(2) LeNet (sigmoid, avg pool) epoch", "samples",
            SproutSide.Epoch(data, Sprout.Bench.Models.BookLeNet(), new Xavier(), new Sprout.Training.Sgd(0.9f)),
            TorchEpoch(TorchSide.BookLeNet(), "xavier", p => optim.SGD(p, 0.9))));
    if (Wants("modern"))
        workloads.Add(new("(3) LeNet (ReLU, max pool, batch norm) epoch", "samples",
            SproutSide.Epoch(data, Sprout.Bench.Models.ModernLeNet(), new Kaiming(), new Sprout.Training.Sgd(0.1f, momentum: 0.9f)),
            TorchEpoch(TorchSide.ModernLeNet(), "kaiming", p => optim.SGD(p, 0.1, momentum: 0.9))));
    if (Wants("resnet"))
    {
        workloads.Add(new("(6) ResNet-18 96x96, batch 32, 3 steps", "samples", SproutSide.ResNetSteps(32, 3), TorchResNet.Steps(32, 3)));
        workloads.Add(new("(6) ResNet-18 96x96, batch 64, 2 steps", "samples", SproutSide.ResNetSteps(64, 2), TorchResNet.Steps(64, 2)));
    }
    if (Wants("transformer"))
        workloads.Add(new("(7) Transformer encoder block, T 128, batch 32", "samples", SproutSide.TransformerSteps(32, 128, 2), TorchSequences.TransformerSteps(32, 128, 2)));
    if (Wants("vit"))
        workloads.Add(new("(9) ViT 96x96, patch 16, batch 64, 2 steps", "samples", SproutSide.VitSteps(64, 2), TorchVit.Steps(64, 2)));
    if (Wants("gru"))
    {
        foreach (var (input, sequence) in new[] { ("28", SproutSide.SequenceBatch(32, 35, 28)), ("one-hot 60", SproutSide.OneHotBatch(32, 35, 60)) })
        {
            workloads.Add(new($"(8) GRU {input} -> 256, T 35, batch 32", "samples", SproutSide.GruSteps(sequence, 32, 35, 256, 5), TorchSequences.GruSteps(sequence, 32, 35, 256, 5)));
            workloads.Add(new($"(8) LSTM {input} -> 256, T 35, batch 32", "samples", SproutSide.LstmSteps(sequence, 32, 35, 256, 5), TorchSequences.LstmSteps(sequence, 32, 35, 256, 5)));
        }
    }
    if (Wants("decoder"))
        workloads.Add(new("(10) decoder: 2 transposed convs 14x14 -> 56x56, batch 32", "samples", SproutSide.DecoderSteps(32, 3), TorchSequences.DecoderSteps(32, 3)));
    if (Wants("step"))
        foreach (var (batch, steps) in new[] { (2, 2000), (64, 500) })
            workloads.Add(new($"(4) step 20-256-10, batch {batch}", "step", SproutSide.Steps(batch, steps), TorchSide.Steps(batch, steps)));
    foreach (var w in workloads) Console.WriteLine(AbRunner.Compare(w, runs));
}

if (Wants("cold"))
{
    var (sproutStart, torchStart) = ColdStart.FirstForward(runs);
    Console.WriteLine($"\n(5) process start to first MLP forward:      Sprout {sproutStart * 1000,7:F0} ms   TorchSharp {torchStart * 1000,7:F0} ms   Sprout/TorchSharp {sproutStart / torchStart,5:F2}×");
    var (sproutRss, torchRss) = ColdStart.PeakRss(Math.Min(runs, 3));
    Console.WriteLine($"(5) peak RSS, load data + one MLP epoch:     Sprout {sproutRss,7:F0} MiB  TorchSharp {torchRss,7:F0} MiB  Sprout/TorchSharp {sproutRss / torchRss,5:F2}×");
}
if (Wants("resnet"))
{
    Console.WriteLine();
    foreach (int batch in new[] { 32, 64 })
    {
        var (sproutRss, torchRss) = ColdStart.ResNetPeakRss(batch, Math.Min(runs, 3));
        Console.WriteLine($"(6) peak RSS, ResNet-18 96x96 batch {batch}, 3 steps: Sprout {sproutRss,7:F0} MiB  TorchSharp {torchRss,7:F0} MiB  Sprout/TorchSharp {sproutRss / torchRss,5:F2}×");
    }
}
return 0;

Func<int> TorchEpoch(TorchSharp.Modules.Sequential net, string init, Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> optimizer)
{
    TorchSide.Initialized(net, init);
    return TorchSide.Epoch(images, labels, net, optimizer(net.parameters()));
}

// One thread, then all cores ($PEERS_THREADS, e.g. "2,1", picks others). One thread first: after a run on all cores,
// libtorch's OpenMP threads keep spinning and slowed the one-thread Sprout runs that followed (ViT: 34 against 86
// samples/s when run first).
static int[] ThreadCounts() => Environment.GetEnvironmentVariable("PEERS_THREADS") is { Length: > 0 } list
    ? [.. list.Split(',').Select(int.Parse)]
    : [1, Environment.ProcessorCount];
