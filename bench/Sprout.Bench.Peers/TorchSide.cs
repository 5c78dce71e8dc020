using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

using Tensor = TorchSharp.torch.Tensor;   // inside the namespace, so that it wins over Sprout.Tensor

/// <summary>
/// The same workloads in TorchSharp, written as its documentation recommends: a dispose scope per step (tensors are
/// freed deterministically, not by the GC), <c>zero_grad</c>, <c>backward</c>, <c>step</c>.
/// </summary>
internal static class TorchSide
{
    public static Sequential Mlp() => Sequential(
        ("flatten", Flatten()), ("hidden", Linear(784, 256)), ("relu", ReLU()), ("output", Linear(256, 10)));

    public static Sequential BookLeNet() => Sequential(
        ("c1", Conv2d(1, 6, 5, padding: 2)), ("s1", Sigmoid()), ("p1", AvgPool2d(2, 2)),
        ("c2", Conv2d(6, 16, 5)), ("s2", Sigmoid()), ("p2", AvgPool2d(2, 2)), ("flatten", Flatten()),
        ("d1", Linear(400, 120)), ("s3", Sigmoid()), ("d2", Linear(120, 84)), ("s4", Sigmoid()), ("d3", Linear(84, 10)));

    public static Sequential ModernLeNet() => Sequential(
        ("c1", Conv2d(1, 6, 5, padding: 2)), ("b1", BatchNorm2d(6)), ("r1", ReLU()), ("p1", MaxPool2d(2, 2)),
        ("c2", Conv2d(6, 16, 5)), ("b2", BatchNorm2d(16)), ("r2", ReLU()), ("p2", MaxPool2d(2, 2)), ("flatten", Flatten()),
        ("d1", Linear(400, 120)), ("b3", BatchNorm1d(120)), ("r3", ReLU()),
        ("d2", Linear(120, 84)), ("b4", BatchNorm1d(84)), ("r4", ReLU()), ("d3", Linear(84, 10)));

    /// <summary>Initializes every Linear and Conv2d weight as the book does (normal 0.01, Xavier or Kaiming), biases zero.</summary>
    public static Sequential Initialized(Sequential net, string init)
    {
        using var noGrad = no_grad();
        foreach (var module in net.modules())
        {
            var (weight, bias) = module switch
            {
                Linear l => (l.weight, l.bias),
                Conv2d c => (c.weight, c.bias),
                _ => (null, null),
            };
            if (weight is null) continue;
            _ = init switch
            {
                "normal" => nn.init.normal_(weight, 0, 0.01),
                "xavier" => nn.init.xavier_uniform_(weight),
                _ => nn.init.kaiming_uniform_(weight),
            };
            if (bias is not null) nn.init.zeros_(bias);
        }
        return net;
    }

    /// <summary>The images as a (N, 1, 28, 28) float tensor in [0, 1] and the labels as int64, from the same IDX files.</summary>
    public static (Tensor Images, Tensor Labels) Load(Sprout.Data.Dataset data) =>
        (tensor(data.Images.ToArray(), [data.Count, 1, 28, 28]), tensor(data.Labels.ToArray().Select(v => (long)v).ToArray(), [data.Count]));

    /// <summary>One training epoch per call in batches of 256, in the same shuffled order Sprout's DataLoader uses.</summary>
    public static Func<int> Epoch(Tensor images, Tensor labels, Sequential net, optim.Optimizer optimizer)
    {
        int count = (int)images.shape[0], epoch = 0;
        net.train();
        return () =>
        {
            var order = SproutSide.EpochOrder(count, ++epoch);
            for (int start = 0; start < count; start += 256)
            {
                using var scope = NewDisposeScope();
                var index = tensor(Indices(order, start, Math.Min(256, count - start)));
                Step(net, optimizer, images.index_select(0, index), labels.index_select(0, index));
            }
            return count;
        };
    }

    /// <summary><paramref name="steps"/> training steps of a 20→256→10 MLP on one fixed batch per call.</summary>
    public static Func<int> Steps(int batch, int steps)
    {
        var net = Initialized(Sequential(("hidden", Linear(20, 256)), ("relu", ReLU()), ("output", Linear(256, 10))), "normal");
        var optimizer = optim.SGD(net.parameters(), 0.1);
        var (x, y) = SproutSide.LatencyBatch(batch);
        var input = tensor(x, [batch, 20]);
        var labels = tensor(y);
        net.train();
        return () =>
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                Step(net, optimizer, input, labels);
            }
            return steps;
        };
    }

    private static long[] Indices(int[] order, int start, int count)
    {
        var indices = new long[count];
        for (int i = 0; i < count; i++) indices[i] = order[start + i];
        return indices;
    }

    private static void Step(Sequential net, optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        optimizer.zero_grad();
        var loss = functional.cross_entropy(net.forward(x), y);
        loss.backward();
        optimizer.step();
    }
}
