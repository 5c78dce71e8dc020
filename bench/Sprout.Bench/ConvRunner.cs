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
