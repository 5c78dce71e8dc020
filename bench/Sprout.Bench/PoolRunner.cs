using Sprout.Kernels;

namespace Sprout.Bench;

/// <summary>
/// Pooling forward and forward + backward at ResNet-18's stem max pool (3×3, stride 2, padding 1; 32×64×48×48) and
/// LeNet's 2×2 max pool (256×6×28×28): milliseconds, medians of several runs.
/// </summary>
internal static class PoolRunner
{
    public static int Run(string[] args)
    {
        int runs = args.Length > 0 ? int.Parse(args[0]) : 7;
        Console.WriteLine($"Threads: {Threads.Count}; medians of {runs} runs");
        Pool("ResNet stem max pool 3x3/2 pad 1: 32x64x48x48", new Shape(32, 64, 48, 48), 3, 2, 1, runs);
        Pool("LeNet max pool 2x2/2: 256x6x28x28", new Shape(256, 6, 28, 28), 2, 2, 0, runs);
        return 0;
    }

    private static void Pool(string name, Shape shape, int size, int stride, int padding, int runs)
    {
        var x = Tensor.RandomUniform(shape);
        x.AttachGrad();
        Tensor Forward() => Tensor.MaxPool2D(x, size, stride, padding);
        var head = Tensor.Ones(Forward().Shape);
        void Both() { Tensor y; using (Autograd.Record()) y = Forward(); y.Backward(head); }
        for (int i = 0; i < 10; i++) Both();   // past tier-0 JIT code
        double forward = Timing.MedianSeconds(runs, () => Forward());
        double both = Timing.MedianSeconds(runs, Both);
        var g = new Sprout.Kernels.ConvGeometry(size, size, stride, stride, padding, padding);
        var output = new float[head.Length];
        var indices = new int[head.Length];
        var input = x.ToArray();
        double kernel = Timing.MedianSeconds(runs, () => Sprout.Kernels.Pooling.Forward(true, input, shape[0] * shape[1], shape[2], shape[3], g, false, output, indices));
        Console.WriteLine($"{name,-50} forward {forward * 1e3,7:F2} ms   forward + backward {both * 1e3,7:F2} ms   kernel alone, one thread {kernel * 1e3,7:F2} ms");
    }
}
