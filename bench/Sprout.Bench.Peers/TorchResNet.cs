using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

using Tensor = TorchSharp.torch.Tensor;

/// <summary>The book's ResNet-18 in TorchSharp (every size written out: TorchSharp has no deferred layers).</summary>
internal static class TorchResNet
{
    private sealed class Residual : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> _body;
        private readonly Module<Tensor, Tensor>? _shortcut;

        public Residual(int input, int channels, bool use1x1, int strides) : base("Residual")
        {
            _body = Sequential(
                Conv2d(input, channels, 3, stride: strides, padding: 1), BatchNorm2d(channels), ReLU(),
                Conv2d(channels, channels, 3, padding: 1), BatchNorm2d(channels));
            _shortcut = use1x1 ? Conv2d(input, channels, 1, stride: strides) : null;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => functional.relu(_body.forward(x) + (_shortcut?.forward(x) ?? x));
    }

    public static Module<Tensor, Tensor> ResNet18(int classes = 10)
    {
        var layers = new List<Module<Tensor, Tensor>>
        {
            Sequential(Conv2d(1, 64, 7, stride: 2, padding: 3), BatchNorm2d(64), ReLU(), MaxPool2d(3, 2, 1)),
        };
        int input = 64;
        foreach (var (channels, first) in new[] { (64, true), (128, false), (256, false), (512, false) })
        {
            layers.Add(Sequential(first ? new Residual(input, channels, false, 1) : new Residual(input, channels, true, 2), new Residual(channels, channels, false, 1)));
            input = channels;
        }
        layers.Add(Sequential(AdaptiveAvgPool2d(1), Flatten(), Linear(512, classes)));
        var net = Sequential(layers);
        using var noGrad = no_grad();
        foreach (var module in net.modules())
            if (module is TorchSharp.Modules.Conv2d c) { init.kaiming_uniform_(c.weight); if (c.bias is not null) init.zeros_(c.bias); }
            else if (module is TorchSharp.Modules.Linear l) { init.kaiming_uniform_(l.weight); if (l.bias is not null) init.zeros_(l.bias); }
        return net;
    }

    /// <summary><paramref name="steps"/> training steps of ResNet-18 on one fixed batch of 96×96 images per call.</summary>
    public static Func<int> Steps(int batch, int steps)
    {
        var net = ResNet18();
        return ImageSteps(net, optim.SGD(net.parameters(), 0.05, momentum: 0.9), batch, steps);
    }

    /// <summary>Training steps of an image classifier by cross-entropy on one fixed batch of 96×96 images per call, a dispose scope per step.</summary>
    internal static Func<int> ImageSteps(Module<Tensor, Tensor> net, optim.Optimizer optimizer, int batch, int steps)
    {
        var (x, y) = SproutSide.ImageBatch(batch, 96);
        var input = tensor(x, [batch, 1, 96, 96]);
        var labels = tensor(y);
        net.train();
        return () =>
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                functional.cross_entropy(net.forward(input), labels).backward();
                optimizer.step();
            }
            return steps * batch;
        };
    }
}
