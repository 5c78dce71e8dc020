using System.Diagnostics;
using Sprout.Data;
using Sprout.Init;
using Sprout.Kernels;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Bench;

/// <summary>
/// Conv2D forward and backward GFLOP/s at LeNet's two convolutions and at a 3×3, 64-channel, 56×56 layer (batch 32),
/// and one training epoch of each LeNet on Fashion-MNIST (samples per second); medians of several runs.
/// </summary>
internal static class ConvRunner
{
    public static int Run(string[] args)
    {
        if (args.FirstOrDefault() == "resnet") return ResNetLayers(args.Length > 1 ? int.Parse(args[1]) : 5, args);
        if (args.FirstOrDefault() == "layer") return LayerSetting(args[1..]);
        int runs = args.Length > 0 ? int.Parse(args[0]) : 5;
        Console.WriteLine($"Threads: {Threads.Count}; medians of {runs} runs");
        Conv("LeNet conv1: 256x1x28x28, 6 of 5x5, pad 2", 256, 1, 28, 6, 5, 2, runs);
        Conv("LeNet conv2: 256x6x14x14, 16 of 5x5", 256, 6, 14, 16, 5, 0, runs);
        Conv("ResNet-style: 32x64x56x56, 64 of 3x3, pad 1", 32, 64, 56, 64, 3, 1, runs);
        Kernels("LeNet conv1", new Convolution.Problem(256, 1, 28, 28, 6, 1, new ConvGeometry(5, 5, 1, 1, 2, 2)), runs);
        Kernels("LeNet conv2", new Convolution.Problem(256, 6, 14, 14, 16, 1, new ConvGeometry(5, 5, 1, 1, 0, 0)), runs);
        if (args.Contains("kernels")) return 0;

        var data = FashionMnist.Load(Split.Train);
        foreach (var (name, make, init, opt) in new (string, Func<Sequential>, Initializer, Func<Optimizer>)[]
        {
            ("LeNet (sigmoid, avg pool)", Models.BookLeNet, new Xavier(), () => new Sgd(0.9f)),
            ("LeNet (ReLU, max pool, batch norm)", Models.ModernLeNet, new Kaiming(), () => new Sgd(0.1f, momentum: 0.9f)),
        })
        {
            var net = make();
            net.Initialize(init);
            var trainer = new Trainer(net.CollectParams(), opt());
            var loader = new DataLoader(data.Images, data.Labels, 256, shuffle: true, seed: 1);
            var loss = new SoftmaxCrossEntropyLoss();
            TrainingRunner.Epoch(net, trainer, loader, loss);   // warm-up
            double seconds = Timing.MedianSeconds(Math.Max(1, runs / 2), () => TrainingRunner.Epoch(net, trainer, loader, loss));
            Console.WriteLine($"{name}, batch 256, one epoch of {data.Count:N0}: {seconds:F2} s, {data.Count / seconds:N0} samples/s");
        }
        return 0;
    }

    /// <summary>
    /// ResNet-18's convolutions at 96×96, batch 32, through the im2col + GEMM kernels into preallocated arrays: forward,
    /// dX and dW in % of the FMA peak measured in the same run, beside one plain GEMM of the forward's size (O × S·pixels ×
    /// C·kh·kw) and the im2col of the batch alone, so that the kernels' own overheads show.
    /// </summary>
    private static int ResNetLayers(int runs, string[] args)
    {
        double peak = GemmRunner.MeasurePeak(Threads.Count);
        Console.WriteLine($"Threads: {Threads.Count}; FMA peak {peak:F0} GFLOP/s; medians of {runs} runs; % of peak");
        Console.WriteLine($"{"layer",-34} {"fwd",5} {"dX",5} {"dW",5} {"gemm",5} {"unfold ms",9} {"fold ms",8}");
        foreach (var (name, p) in new (string, Convolution.Problem)[]
        {
            ("stem 7x7/2 1->64 at 96", new(32, 1, 96, 96, 64, 1, new ConvGeometry(7, 7, 2, 2, 3, 3))),
            ("3x3 64->64 at 24", new(32, 64, 24, 24, 64, 1, new ConvGeometry(3, 3, 1, 1, 1, 1))),
            ("3x3/2 64->128 at 24", new(32, 64, 24, 24, 128, 1, new ConvGeometry(3, 3, 2, 2, 1, 1))),
            ("1x1/2 64->128 at 24", new(32, 64, 24, 24, 128, 1, new ConvGeometry(1, 1, 2, 2, 0, 0))),
            ("3x3 128->128 at 12", new(32, 128, 12, 12, 128, 1, new ConvGeometry(3, 3, 1, 1, 1, 1))),
            ("3x3/2 128->256 at 12", new(32, 128, 12, 12, 256, 1, new ConvGeometry(3, 3, 2, 2, 1, 1))),
            ("1x1/2 128->256 at 12", new(32, 128, 12, 12, 256, 1, new ConvGeometry(1, 1, 2, 2, 0, 0))),
            ("3x3 256->256 at 6", new(32, 256, 6, 6, 256, 1, new ConvGeometry(3, 3, 1, 1, 1, 1))),
            ("3x3/2 256->512 at 6", new(32, 256, 6, 6, 512, 1, new ConvGeometry(3, 3, 2, 2, 1, 1))),
            ("1x1/2 256->512 at 6", new(32, 256, 6, 6, 512, 1, new ConvGeometry(1, 1, 2, 2, 0, 0))),
            ("3x3 512->512 at 3", new(32, 512, 3, 3, 512, 1, new ConvGeometry(3, 3, 1, 1, 1, 1))),
            ("1x1 192->64 at 24 (GoogLeNet's)", new(32, 192, 24, 24, 64, 1, new ConvGeometry(1, 1, 1, 1, 0, 0))),
        })
        {
            var rng = Rng.Stream(1, name);
            float[] x = new float[p.N * p.C * p.H * p.W], w = new float[p.O * p.KernelRows], dy = new float[p.N * p.O * p.Pixels];
            rng.FillUniform(x); rng.FillUniform(w); rng.FillUniform(dy);
            float[] y = new float[dy.Length], dx = new float[x.Length], dw = new float[w.Length];
            float[] cols = new float[(long)p.KernelRows * p.N * p.Pixels > int.MaxValue ? 1 : p.KernelRows * p.N * p.Pixels];
            double flops = 2.0 * p.N * p.O * p.Pixels * p.KernelRows;
            double Seconds(Action a)
            {
                for (int i = 0; i < 3; i++) a();
                return Timing.MedianSeconds(runs, a);
            }
            string Percent(Action a) => $"{100 * flops / Seconds(a) / 1e9 / peak,4:F0}%";
            int columns = p.N * p.Pixels;
            if (args.Contains("ab"))
            {
                int at = Array.IndexOf(args, "ab");
                AbPasses(name, p, x, w, dy, y, dx, dw, flops, peak, runs, int.Parse(args[at + 1]), int.Parse(args[at + 2]));
                continue;
            }
            if (Winograd.Applies(p))
                Console.WriteLine($"{name + " (Winograd)",-34} {Percent(() => Winograd.Forward(p, x, 0, w, 0, y, 0))} " +
                    $"{Percent(() => Winograd.InputGradient(p, dy, 0, w, 0, dx, 0))} {Percent(() => Winograd.WeightGradient(p, x, 0, dy, 0, dw))}   (direct convolution's FLOPs)");
            if (Winograd.Applies(p) && p.H >= Winograd.LargeTilesFrom)   // the same layer by F(2×2, 3×3), for comparison
            {
                int kept = Winograd.LargeTilesFrom;
                Winograd.LargeTilesFrom = int.MaxValue;
                Console.WriteLine($"{name + " (Winograd 2x2)",-34} {Percent(() => Winograd.Forward(p, x, 0, w, 0, y, 0))} " +
                    $"{Percent(() => Winograd.InputGradient(p, dy, 0, w, 0, dx, 0))} {Percent(() => Winograd.WeightGradient(p, x, 0, dy, 0, dw))}");
                Winograd.LargeTilesFrom = kept;
            }
            if (DirectConvolution.Applies(p))
                Console.WriteLine($"{name + " (direct)",-34} {Percent(() => DirectConvolution.Forward(p, x, 0, w, 0, y))} " +
                    $"{Percent(() => DirectConvolution.InputGradient(p, dy, 0, w, 0, dx, 0))} {Percent(() => DirectConvolution.WeightGradient(p, x, 0, dy, 0, dw))}");
            Console.WriteLine($"{name,-34} {Percent(() => Convolution.Forward(p, x, 0, w, 0, y))} " +
                $"{Percent(() => Convolution.Backward(p, x, 0, w, 0, dy, 0, dx, null))} {Percent(() => Convolution.Backward(p, x, 0, w, 0, dy, 0, null, dw))} " +
                $"{Percent(() => Gemm.Multiply(false, false, p.O, columns, p.KernelRows, 1f, w, 0, p.KernelRows, cols, 0, columns, 0f, y, 0, columns))} " +
                $"{1000 * Seconds(() => Chunked(p, (s0, count) => Im2Col.Unfold(x, s0 * p.C * p.H * p.W, count, p.C, p.H, p.W, p.Geometry, cols))),9:F2} " +
                $"{1000 * Seconds(() => Chunked(p, (s0, count) => Im2Col.Fold(cols, count, p.C, p.H, p.W, p.Geometry, dx, s0 * p.C * p.H * p.W))),8:F2}");
        }
        return 0;
    }

    /// <summary>
    /// Each pass (forward, dW, dX) at the current thread count, A/B interleaved in one run, with chunks of at least
    /// <paramref name="a"/> and of at least <paramref name="b"/> columns. For tuning on this machine: <c>conv resnet 5 ab 256 512</c>.
    /// </summary>
    private static void AbPasses(string name, Convolution.Problem p, float[] x, float[] w, float[] dy, float[] y, float[] dx, float[] dw, double flops, double peak, int runs,
        int a, int b)
    {
        int kept = Convolution.MinColumns;
        string Ab(Action pass)
        {
            var ta = new double[runs * 2];
            var tb = new double[runs * 2];
            for (int i = 0; i < ta.Length + 2; i++)
            {
                Convolution.MinColumns = a;
                double timeA = Timing.MedianSeconds(1, pass);
                Convolution.MinColumns = b;
                double timeB = Timing.MedianSeconds(1, pass);
                if (i >= 2) (ta[i - 2], tb[i - 2]) = (timeA, timeB);   // the first two rounds warm both up
            }
            Convolution.MinColumns = kept;
            Array.Sort(ta); Array.Sort(tb);
            return $"{100 * flops / ta[runs] / 1e9 / peak,3:F0}% / {100 * flops / tb[runs] / 1e9 / peak,3:F0}%";
        }
        Console.WriteLine($"{name,-34} {a} / {b} columns: forward {Ab(() => Convolution.Forward(p, x, 0, w, 0, y))}" +
            $"   dW {Ab(() => Convolution.Backward(p, x, 0, w, 0, dy, 0, null, dw))}   dX {Ab(() => Convolution.Backward(p, x, 0, w, 0, dy, 0, dx, null))}");
    }

    /// <summary>
    /// One of ResNet-18's convolutions at batch 32 (<c>same</c>: 3×3 stride 1, C → C; <c>strided</c>: 3×3 stride 2, C →
    /// 2C; <c>shortcut</c>: 1×1 stride 2, C → 2C) at the current thread count, each pass (forward, dX, dW) alternated
    /// between two values of one kernel setting of <c>profile resnet</c> (<see cref="ProfileRunner.Settings"/>), medians
    /// of 50 pairs: <c>conv layer same 12 128 large 12 1000</c>.
    /// </summary>
    private static int LayerSetting(string[] args)
    {
        int hw = int.Parse(args[1]), c = int.Parse(args[2]);
        var p = args[0] switch
        {
            "same" => new Convolution.Problem(32, c, hw, hw, c, 1, new ConvGeometry(3, 3, 1, 1, 1, 1)),
            "strided" => new Convolution.Problem(32, c, hw, hw, 2 * c, 1, new ConvGeometry(3, 3, 2, 2, 1, 1)),
            "shortcut" => new Convolution.Problem(32, c, hw, hw, 2 * c, 1, new ConvGeometry(1, 1, 2, 2, 0, 0)),
            _ => throw new ArgumentException($"conv layer: the kind is same, strided or shortcut, not '{args[0]}'."),
        };
        var setting = ProfileRunner.Settings.First(k => k.Name == args[3]);
        int[] values = [int.Parse(args[4]), int.Parse(args[5])];
        var rng = Rng.Stream(1, "layer");
        float[] x = new float[p.N * p.C * p.H * p.W], w = new float[p.O * p.KernelRows], dy = new float[p.N * p.O * p.Pixels];
        rng.FillUniform(x); rng.FillUniform(w); rng.FillUniform(dy);
        float[] y = new float[dy.Length], dx = new float[x.Length], dw = new float[w.Length];
        int kept = setting.Get();
        void Forward() { if (Winograd.Applies(p)) Winograd.Forward(p, x, 0, w, 0, y, 0); else Convolution.Forward(p, x, 0, w, 0, y); }
        void Backward(float[]? gx, float[]? gw) { if (Winograd.Applies(p)) Winograd.Backward(p, x, 0, w, 0, dy, 0, gx, gw); else Convolution.Backward(p, x, 0, w, 0, dy, 0, gx, gw); }
        foreach (var (pass, run) in new (string, Action)[] { ("forward", Forward), ("dX", () => Backward(dx, null)), ("dW", () => Backward(null, dw)) })
        {
            var times = new[] { new List<double>(), new List<double>() };
            for (int round = 0; round < 55; round++)
                for (int side = 0; side < 2; side++)
                {
                    setting.Set(values[side]);
                    var clock = Stopwatch.StartNew();
                    run();
                    if (round >= 5) times[side].Add(clock.Elapsed.TotalMilliseconds);   // the first rounds warm both up
                }
            Console.WriteLine($"{args[0]} {hw}x{hw} {c} channels, {pass}, {Threads.Count} threads: {setting.Label} {values[0]}: {Median(times[0]):F2} ms, {values[1]}: {Median(times[1]):F2} ms");
        }
        setting.Set(kept);
        return 0;

        static double Median(List<double> t) => t.Order().ElementAt(t.Count / 2);
    }

    /// <summary>Runs <paramref name="chunk"/> (first sample, samples) for each chunk of samples the convolution kernels use, in turn, into one chunk-sized buffer as each thread of the kernels does.</summary>
    private static void Chunked(Convolution.Problem p, Action<int, int> chunk)
    {
        for (int c = 0; c < p.Chunks; c++) chunk(c * p.SamplesPerChunk, Math.Min(p.SamplesPerChunk, p.N - c * p.SamplesPerChunk));
    }

    /// <summary>The direct kernels against im2col + GEMM on one layer, into preallocated arrays (no allocation in the timing).</summary>
    private static void Kernels(string name, Convolution.Problem p, int runs)
    {
        var rng = Rng.Stream(1, name);
        float[] x = new float[p.N * p.C * p.H * p.W], w = new float[p.O * p.KernelRows], dy = new float[p.N * p.O * p.Pixels];
        rng.FillUniform(x); rng.FillUniform(w); rng.FillUniform(dy);
        float[] y = new float[dy.Length], dx = new float[x.Length], dw = new float[w.Length];
        double flops = 2.0 * p.N * p.O * p.Pixels * p.KernelRows;
        string Rate(Action a)
        {
            for (int i = 0; i < 5; i++) a();
            return $"{flops / Timing.MedianSeconds(runs * 4, a) / 1e9,6:F1}";
        }
        Console.WriteLine($"{name} GFLOP/s   forward: direct {Rate(() => DirectConvolution.Forward(p, x, 0, w, 0, y))} im2col {Rate(() => Convolution.Forward(p, x, 0, w, 0, y))}" +
            $"   dX: direct {Rate(() => DirectConvolution.InputGradient(p, dy, 0, w, 0, dx, 0))} im2col {Rate(() => Convolution.Backward(p, x, 0, w, 0, dy, 0, dx, null))}" +
            $"   dW: direct {Rate(() => DirectConvolution.WeightGradient(p, x, 0, dy, 0, dw))} im2col {Rate(() => Convolution.Backward(p, x, 0, w, 0, dy, 0, null, dw))}");
    }

    private static void Conv(string name, int n, int c, int hw, int o, int k, int pad, int runs)
    {
        var x = Tensor.RandomUniform(n, c, hw, hw);
        var w = Tensor.RandomUniform(o, c, k, k);
        w.AttachGrad();
        x.AttachGrad();
        int outHw = hw + 2 * pad - k + 1;
        double flops = 2.0 * n * o * outHw * outHw * c * k * k;
        for (int i = 0; i < 20; i++) Tensor.Conv2D(x, w, null, 1, pad, 1);   // past tier-0 JIT code
        const int Reps = 10;
        double forward = Timing.MedianSeconds(runs, () => { for (int i = 0; i < Reps; i++) Tensor.Conv2D(x, w, null, 1, pad, 1); }) / Reps;
        var head = Tensor.Ones(n, o, outHw, outHw);
        void Backward() { Tensor y; using (Autograd.Record()) y = Tensor.Conv2D(x, w, null, 1, pad, 1); y.Backward(head); }
        for (int i = 0; i < 20; i++) Backward();
        double both = Timing.MedianSeconds(runs, () => { for (int i = 0; i < Reps; i++) Backward(); }) / Reps;
        Console.WriteLine($"{name,-46} forward {flops / forward / 1e9,6:F1} GFLOP/s   forward + backward (dX, dW) {3 * flops / both / 1e9,6:F1} GFLOP/s");
    }
}
