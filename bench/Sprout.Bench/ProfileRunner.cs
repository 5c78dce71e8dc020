using System.Diagnostics;
using Sprout.Data;
using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Bench;

/// <summary>
/// Where a training step of a network spends its time: each top-level layer's forward, and each op's backward rules,
/// averaged over steps after a warm-up. `-- profile lenet | modern | mlp`. The steps take Fashion-MNIST's batches in
/// turn, as training does, rather than one batch repeated (which stays in cache and is learned by heart).
/// </summary>
internal static class ProfileRunner
{
    public static int Run(string[] args)
    {
        string which = args.FirstOrDefault() ?? "lenet";
        if (which == "resnet" && args.Contains("scaling")) return ResNetScaling();
        if (which == "resnet" && Settings.Any(k => args.Contains(k.Name))) return ResNetSetting(args);
        if (which is "lstm" or "gru" or "transformer" or "vit") return Sequence(which, keep: args.Contains("keep"));
        if (which == "resnet") return ResNet(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 32);
        var net = which switch
        {
            "mlp" => Models.Mlp(),
            "modern" => Models.ModernLeNet(),
            _ => Models.BookLeNet(),
        };
        net.Initialize(new Xavier());
        int size = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 256;
        var batches = Batches(size);
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        var loss = new SoftmaxCrossEntropyLoss();
        for (int i = 0; i < 300; i++)   // long enough for tiered JIT to reach its optimized code
        {
            var warm = Next(batches);
            Step(net, trainer, loss, warm.Data, warm.Labels);
        }

        const int Steps = 100;
        var backward = new Dictionary<string, double>();
        Tensor.BackwardProfiler = (op, t) => backward[op] = backward.GetValueOrDefault(op) + t.TotalMilliseconds;
        var forward = new double[net.Count];
        double total = 0, lossMs = 0, backwardMs = 0, stepMs = 0;
        int batchSize = 0;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (int s = 0; s < Steps; s++)
        {
            var (x, y) = Next(batches);
            batchSize = x.Shape[0];
            var clock = Stopwatch.StartNew();
            Tensor l;
            using (Autograd.Record())
            {
                var h = x;
                for (int k = 0; k < net.Count; k++)
                {
                    long t0 = Stopwatch.GetTimestamp(), issued = TapeNode.Issued;
                    var next = net[k].Forward(h);
                    forward[k] += Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (k < net.Count - 1 && next != h && next.WasRecordedAfter(issued)) next.MarkTransient(net[k], k.ToString(System.Globalization.CultureInfo.InvariantCulture));   // as Sequential does
                    h = next;
                }
                long t1 = Stopwatch.GetTimestamp();
                l = loss.Forward(h, y).Sum();
                lossMs += Stopwatch.GetElapsedTime(t1).TotalMilliseconds;
            }
            long t2 = Stopwatch.GetTimestamp();
            l.Backward();
            backwardMs += Stopwatch.GetElapsedTime(t2).TotalMilliseconds;
            long t3 = Stopwatch.GetTimestamp();
            trainer.Step(batchSize);
            stepMs += Stopwatch.GetElapsedTime(t3).TotalMilliseconds;
            total += clock.Elapsed.TotalMilliseconds;
        }
        Tensor.BackwardProfiler = null;
        Console.WriteLine($"GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(2)} gen2, total pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms");
        allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / Steps;
        Console.WriteLine($"{which}: {total / Steps:F2} ms per step of {batchSize} ({batchSize / (total / Steps) * 1000:N0} samples/s), " +
            $"{allocated / 1048576.0:F2} MiB allocated a step outside the storage pool (with the loader's batch)");
        Console.WriteLine($"loss forward {lossMs / Steps:F3} ms, whole backward {backwardMs / Steps:F3} ms, optimizer step {stepMs / Steps:F3} ms");
        Console.WriteLine("forward, per layer:");
        for (int k = 0; k < net.Count; k++) Console.WriteLine($"  {k,2} {net[k].GetType().Name,-16} {forward[k] / Steps,7:F3} ms");
        Console.WriteLine("backward, per op:");
        foreach (var (op, ms) in backward.OrderByDescending(kv => kv.Value)) Console.WriteLine($"  {op,-20} {ms / Steps,7:F3} ms");
        return 0;
    }

    /// <summary>
    /// The Peers bench's sequence workloads: a 256-unit LSTM or GRU (input 28 inferred) over T 35, batch 32, or a
    /// Transformer encoder block (width 256 inferred, 8 heads, FFN 1024) on (32, 128, 256), or the book's ViT on 64 images
    /// of 96×96, trained by SGD on mean(y²):
    /// the step's time, each backward rule's, and what the step allocates outside the storage pool.
    /// `-- profile lstm | gru | transformer | vit [keep]` (keep: the step's output and its square are not released). (A rule's time includes whatever the step's allocations cost where the pool
    /// ran dry: an unrecycled LSTM state sequence showed up as 4.5 ms in Narrow.)
    /// </summary>
    private static int Sequence(string which, bool keep)
    {
        Block layer = which switch
        {
            "lstm" => new Lstm(256),
            "gru" => new Gru(256),
            "vit" => new Sprout.Models.VisionTransformer(10, new Size2(16, 16), hidden: 512, mlpHidden: 2048, heads: 8, blocks: 2, embeddingDropout: 0f, blockDropout: 0f),
            _ => new TransformerEncoderBlock(heads: 8, ffnHidden: 1024),
        };
        Func<Tensor, Tensor> forward = layer switch
        {
            Lstm lstm => x => lstm.Forward(x).Output,
            Gru gru => x => gru.Forward(x, null).Output,
            TransformerEncoderBlock block => x => block.Forward(x, null),
            _ => layer.Forward,
        };
        layer.Initialize(new Xavier());
        var trainer = new Trainer(layer.CollectParams(), new Sgd(0.01f));
        var input = Tensor.RandomUniform(which switch { "transformer" => new Shape(32, 128, 256), "vit" => new Shape(64, 1, 96, 96), _ => new Shape(35, 32, 28) }, -1f, 1f);
        void Once()
        {
            Tensor y, square;
            using (Autograd.Record())
            {
                y = forward(input);
                square = y * y;
                square.Mean().Backward();
            }
            trainer.Step(1);
            if (!keep) { square.Release(); y.Release(); }
        }
        for (int i = 0; i < 20; i++) Once();
        const int Steps = 20;
        var backward = new Dictionary<string, double>();
        Tensor.BackwardProfiler = (op, t) => backward[op] = backward.GetValueOrDefault(op) + t.TotalMilliseconds;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Steps; i++) Once();
        double profiled = clock.Elapsed.TotalMilliseconds / Steps;
        Tensor.BackwardProfiler = null;
        clock.Restart();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Steps; i++) Once();
        allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / Steps;
        Console.WriteLine($"{which}: {clock.Elapsed.TotalMilliseconds / Steps:F2} ms a step ({profiled:F2} profiled), {Threads.Count} threads, " +
            $"{allocated / 1048576.0:F1} MiB allocated a step outside the storage pool ({(keep ? "the output and its square kept: left to the GC" : "the output and its square released")})");
        foreach (var (op, ms) in backward.OrderByDescending(kv => kv.Value)) Console.WriteLine($"  {op,-40} {ms / Steps,7:F3} ms");
        return 0;
    }

    /// <summary>
    /// The book's ResNet-18 at 96×96 on one fixed batch, as the Peers bench trains it: the step's time against its useful
    /// FLOPs (forward 3× = forward + both backward products), each leaf layer's forward by type and output shape, each
    /// backward rule by op and input shape.
    /// </summary>
    private static int ResNet(int batch)
    {
        var (net, trainer, loss, x, y) = ResNetSetup(batch);
        for (int i = 0; i < 8; i++) Step(net, trainer, loss, x, y);

        const int Steps = 6;
        var forward = new Dictionary<string, double>();
        var backward = new Dictionary<string, double>();
        Block.ForwardProfiler = (block, outputs, t) =>
        {
            if (block.Children.Any()) return;
            string key = block.GetType().Name + " " + outputs[0].Shape;
            forward[key] = forward.GetValueOrDefault(key) + t.TotalMilliseconds;
        };
        Tensor.BackwardProfiler = (op, t) => backward[op] = backward.GetValueOrDefault(op) + t.TotalMilliseconds;
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < Steps; s++) Step(net, trainer, loss, x, y);
        double profiled = clock.Elapsed.TotalMilliseconds / Steps;
        Block.ForwardProfiler = null;
        Tensor.BackwardProfiler = null;
        clock.Restart();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        double forwardMs = 0, backwardMs = 0, updateMs = 0;
        for (int s = 0; s < Steps; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Tensor l;
            using (Autograd.Record()) l = loss.Forward(net.Forward(x), y).Sum();
            long t1 = Stopwatch.GetTimestamp();
            l.Backward();
            long t2 = Stopwatch.GetTimestamp();
            trainer.Step(batch);
            forwardMs += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            backwardMs += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            updateMs += Stopwatch.GetElapsedTime(t2).TotalMilliseconds;
        }
        double step = clock.Elapsed.TotalMilliseconds / Steps;
        allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / Steps;

        double flops = 3 * ForwardFlops(net, x.Shape);
        double peak = GemmRunner.MeasurePeak(Threads.Count);
        Console.WriteLine($"resnet18 batch {batch}, {Threads.Count} threads: {step:F1} ms a step ({batch / step * 1000:F1} samples/s; {profiled:F1} ms profiled), {flops / 1e9:F2} GFLOP → {flops / step / 1e6:F1} GFLOP/s = {100 * flops / step / 1e6 / peak:F0}% of the FMA peak {peak:F0}");
        Console.WriteLine($"unprofiled: forward {forwardMs / Steps:F1} ms, backward {backwardMs / Steps:F1} ms, optimizer step {updateMs / Steps:F1} ms; " +
            $"{allocated / 1048576.0:F1} MiB allocated a step outside the storage pool");
        Console.WriteLine("forward, leaf layers by type and output shape (ms a step):");
        foreach (var (k, ms) in forward.OrderByDescending(kv => kv.Value).Take(24)) Console.WriteLine($"  {k,-40} {ms / Steps,7:F2}");
        Console.WriteLine($"  total {forward.Values.Sum() / Steps:F1}");
        Console.WriteLine("backward rules by op and input shape (ms a step):");
        foreach (var (k, ms) in backward.OrderByDescending(kv => kv.Value).Take(30)) Console.WriteLine($"  {k,-40} {ms / Steps,7:F2}");
        Console.WriteLine($"  total {backward.Values.Sum() / Steps:F1}");
        return 0;
    }

    /// <summary>
    /// How each op of a ResNet-18 step (batch 32) scales from one core to all: steps at one thread and at all cores
    /// alternate (so the machine's swings hit both alike), and each leaf layer's forward and each backward rule print
    /// their time at both and the ratio, slowest scaling first.
    /// </summary>
    private static int ResNetScaling()
    {
        const int Batch = 32;
        var (net, trainer, loss, x, y) = ResNetSetup(Batch);
        int all = Environment.ProcessorCount;
        var times = new[] { new Dictionary<string, double>(), new Dictionary<string, double>() };
        var steps = new double[2];
        for (int round = 0; round < 10; round++)
            for (int side = 0; side < 2; side++)
            {
                Threads.Count = side == 0 ? 1 : all;
                var into = round < 2 ? new Dictionary<string, double>() : times[side];   // two rounds of warm-up
                Block.ForwardProfiler = (block, outputs, t) =>
                {
                    if (block.Children.Any()) return;
                    string key = "fwd " + block.GetType().Name + " " + outputs[0].Shape;
                    into[key] = into.GetValueOrDefault(key) + t.TotalMilliseconds;
                };
                Tensor.BackwardProfiler = (op, t) => into["bwd " + op] = into.GetValueOrDefault("bwd " + op) + t.TotalMilliseconds;
                var clock = Stopwatch.StartNew();
                Step(net, trainer, loss, x, y);
                if (round >= 2) steps[side] += clock.Elapsed.TotalMilliseconds;
            }
        Block.ForwardProfiler = null;
        Tensor.BackwardProfiler = null;
        Threads.Count = all;
        Console.WriteLine($"resnet18 batch {Batch}: {steps[0] / 8:F1} ms a step at 1 thread, {steps[1] / 8:F1} at {all} ({steps[0] / steps[1]:F2}×)");
        foreach (var (key, one) in times[0].Where(kv => kv.Value / 8 > 0.5).OrderBy(kv => kv.Value / times[1].GetValueOrDefault(kv.Key, 1e-9)))
            Console.WriteLine($"  {key,-44} {one / 8,8:F2} {times[1][key] / 8,8:F2}  {one / times[1][key],5:F2}×");
        return 0;
    }

    /// <summary>
    /// ResNet-18 training steps (batch 32) at the current thread count with a kernel setting at two values, alternating
    /// step by step so the machine's swings hit both alike: the median step of each. `-- profile resnet winograd [A B]`
    /// (Winograd's fewest channels, default 64 and 128), `-- profile resnet plane [A B]` (its smallest planes, default 6
    /// and 12), `-- profile resnet columns A B` (the convolution's fewest
    /// GEMM columns per chunk) `-- profile resnet vectorized` (im2col and col2im with shifted planes and stride-2 permutes, 1, or scalar rows, 0)
    /// `-- profile resnet wgrad` (the weight gradient of Winograd's layers by Winograd, 1, or by im2col, 0) or `-- profile
    /// resnet wsmall` (Winograd's products reading the transformed tiles in place, 1, or packing them, 0) or `-- profile
    /// resnet whole` (layers with fewer chunks than two per thread as one product split by rows, 1, or by chunks, 0) or
    /// `-- profile resnet taps` (small planes tap by tap over the positions inside the image, 1, or by im2col, 0) or
    /// `-- profile resnet large [A B]` (the smallest planes Winograd takes by F(4×4, 3×3), default 12 and 1000: never) or
    /// `-- profile resnet wlarge` (their weight gradients by F(4×4, 3×3) too, 1, or by F(2×2, 3×3), 0) or `-- profile
    /// resnet chunk [A B]` (KiB of transformed input per chunk of Winograd's tiles, default 1024 and 512) or `-- profile
    /// resnet deepchunk [A B]` (the same in layers with 256 channels or more, default 1024 and 4096) or `-- profile resnet
    /// ltiles [A B]` (tiles per chunk in F(4×4, 3×3)'s forward, default 56 and 0: by bytes).
    /// </summary>
    private static int ResNetSetting(string[] args)
    {
        const int Batch = 32;
        var setting = Settings.First(k => args.Contains(k.Name));
        int at = Array.IndexOf(args, setting.Name);
        int[] values = args.Length > at + 2
            ? [int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[at + 2], System.Globalization.CultureInfo.InvariantCulture)]
            : [setting.A, setting.B];
        int kept = setting.Get();
        var (net, trainer, loss, x, y) = ResNetSetup(Batch);
        var times = new List<double>[] { [], [] };
        for (int round = 0; round < 14; round++)
            for (int side = 0; side < 2; side++)
            {
                setting.Set(values[side]);
                var clock = Stopwatch.StartNew();
                Step(net, trainer, loss, x, y);
                if (round >= 2) times[side].Add(clock.Elapsed.TotalMilliseconds);
            }
        setting.Set(kept);
        for (int side = 0; side < 2; side++)
            Console.WriteLine($"{setting.Label} {values[side]}, {Threads.Count} threads: median step {times[side].Order().ElementAt(times[side].Count / 2):F1} ms");
        return 0;
    }

    /// <summary>A kernel setting <see cref="ResNetSetting"/> alternates: its argument, how its lines read, the two values compared by default.</summary>
    internal sealed record KernelSetting(string Name, string Label, int A, int B, Func<int> Get, Action<int> Set);

    private static int Flag(bool on) => on ? 1 : 0;

    internal static readonly KernelSetting[] Settings =
    [
        new("winograd", "Winograd from", 64, 128, () => Sprout.Kernels.Winograd.MinChannels, v => Sprout.Kernels.Winograd.MinChannels = v),
        new("plane", "Winograd from planes of", 6, 12, () => Sprout.Kernels.Winograd.MinPlane, v => Sprout.Kernels.Winograd.MinPlane = v),
        new("columns", "fewest GEMM columns", 256, 512, () => Sprout.Kernels.Convolution.MinColumns, v => Sprout.Kernels.Convolution.MinColumns = v),
        new("vectorized", "im2col vectorized", 1, 0, () => Flag(Sprout.Kernels.Im2Col.Vectorized), v => Sprout.Kernels.Im2Col.Vectorized = v != 0),
        new("wgrad", "Winograd weight gradients", 1, 0, () => Flag(Sprout.Kernels.Winograd.WeightGradients), v => Sprout.Kernels.Winograd.WeightGradients = v != 0),
        new("wsmall", "Winograd products unpacked", 1, 0, () => Flag(Sprout.Kernels.Winograd.SmallProducts), v => Sprout.Kernels.Winograd.SmallProducts = v != 0),
        new("whole", "deep layers as one product by rows", 1, 0, () => Flag(Sprout.Kernels.Convolution.WholeBatch), v => Sprout.Kernels.Convolution.WholeBatch = v != 0),
        new("large", "Winograd F(4×4, 3×3) from planes of", 12, 1000, () => Sprout.Kernels.Winograd.LargeTilesFrom, v => Sprout.Kernels.Winograd.LargeTilesFrom = v),
        new("wlarge", "Winograd F(4×4, 3×3) weight gradients", 1, 0, () => Flag(Sprout.Kernels.Winograd.LargeWeightGradients), v => Sprout.Kernels.Winograd.LargeWeightGradients = v != 0),
        new("chunk", "Winograd chunks of KiB", 1024, 512, () => Sprout.Kernels.Winograd.ChunkBytes >> 10, v => Sprout.Kernels.Winograd.ChunkBytes = v << 10),
        new("deepchunk", "Winograd deep chunks of KiB", 1024, 4096, () => Sprout.Kernels.Winograd.DeepChunkBytes >> 10, v => Sprout.Kernels.Winograd.DeepChunkBytes = v << 10),
        new("ltiles", "Winograd F(4×4, 3×3) forward chunks of tiles", 56, 0, () => Sprout.Kernels.Winograd.LargeChunkTiles, v => Sprout.Kernels.Winograd.LargeChunkTiles = v),
        new("taps", "small planes tap by tap", 1, 0, () => Flag(Sprout.Kernels.Convolution.TapWise), v => Sprout.Kernels.Convolution.TapWise = v != 0),
        new("bnrelu", "BatchNorm + ReLU fused", 1, 0, () => Flag(Sequential.FuseBatchNormRelu), v => Sequential.FuseBatchNormRelu = v != 0),
        new("biasfirst", "convolution bias gradient first", 1, 0, () => Flag(Tensor.ConvBiasGradientFirst), v => Tensor.ConvBiasGradientFirst = v != 0),
        new("addrelu", "residual sum + ReLU fused", 1, 0, () => Flag(Residual.FuseAddRelu), v => Residual.FuseAddRelu = v != 0),
    ];

    /// <summary>The book's ResNet-18 (Kaiming, SGD 0.05 with momentum), its loss, and one fixed batch of 96×96 images.</summary>
    private static (Sequential Net, Trainer Trainer, Loss Loss, Tensor X, Tensor Y) ResNetSetup(int batch)
    {
        var net = Sprout.Models.ModernCnns.ResNet18();
        net.Initialize(new Kaiming());
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.05f, momentum: 0.9f));
        var rng = new Random(1);
        var x = Tensor.FromArray([.. Enumerable.Range(0, batch * 96 * 96).Select(_ => (float)rng.NextDouble())], batch, 1, 96, 96);
        var y = Tensor.FromArray([.. Enumerable.Range(0, batch).Select(i => (float)(i % 10))], batch);
        return (net, trainer, new SoftmaxCrossEntropyLoss(), x, y);
    }

    /// <summary>The multiply-adds ×2 of every convolution and dense layer's forward, from a shape-only trace.</summary>
    private static double ForwardFlops(Block net, Shape input)
    {
        double flops = 0;
        Block.ForwardProfiler = (block, outputs, _) =>
        {
            if (block is Conv2D or Dense && block.CollectParams().Values.FirstOrDefault(p => p.Name.EndsWith("weight", StringComparison.Ordinal)) is { } w)
                flops += 2.0 * outputs[0].Shape.ElementCount / outputs[0].Shape[1] * w.Data().Shape.ElementCount;
        };
        net.Build(input);
        Block.ForwardProfiler = null;
        return flops;
    }

    /// <summary>Fashion-MNIST's training batches of 256 (the last, partial one dropped), shuffled, endlessly.</summary>
    private static IEnumerator<Batch> Batches(int size)
    {
        var data = FashionMnist.Load(Split.Train);
        var loader = new DataLoader(data.Images, data.Labels, size, shuffle: true, seed: 1, dropLast: true);
        while (true)
            foreach (var batch in loader) yield return batch;
    }

    private static Batch Next(IEnumerator<Batch> batches)
    {
        batches.MoveNext();
        return batches.Current;
    }

    private static void Step(Block net, Trainer trainer, Loss loss, Tensor x, Tensor y)
    {
        Tensor l;
        using (Autograd.Record()) l = loss.Forward(net.Forward(x), y).Sum();
        l.Backward();
        trainer.Step(x.Shape[0]);
    }
}
