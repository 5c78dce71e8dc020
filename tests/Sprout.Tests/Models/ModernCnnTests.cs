using Sprout.Init;
using Sprout.Models;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Models;

/// <summary>The book's modern CNNs, written without input sizes: what the image size implies downstream.</summary>
public class ModernCnnTests
{
    [Fact]
    public void Each_network_sizes_its_dense_layers_from_the_image()
    {
        var alex = ModernCnns.AlexNet();
        alex.Initialize();
        Assert.Equal(new Shape(1, 10), alex.Build(new Shape(1, 1, 224, 224)));
        Assert.Equal(new Shape(4096, 6400), alex.Get<Dense>(9).Weight.Shape);   // 256 × 5 × 5, as the book prints

        var vgg = ModernCnns.Vgg([(1, 16), (1, 32), (2, 64), (2, 128), (2, 128)]);
        vgg.Initialize();
        Assert.Equal(new Shape(1, 10), vgg.Build(new Shape(1, 1, 224, 224)));
        Assert.Equal(new Shape(4096, 128 * 7 * 7), vgg.Get<Dense>(6).Weight.Shape);

        var nin = ModernCnns.NiN();
        nin.Initialize();
        Assert.Equal(new Shape(1, 10), nin.Build(new Shape(1, 1, 224, 224)));

        var google = ModernCnns.GoogLeNet();
        google.Initialize();
        Assert.Equal(new Shape(1, 10), google.Build(new Shape(1, 1, 96, 96)));
        Assert.Equal(new Shape(10, 1024), google.Get<Dense>(5).Weight.Shape);

        var resnet = ModernCnns.ResNet18();
        resnet.Initialize();
        Assert.Equal(new Shape(1, 10), resnet.Build(new Shape(1, 1, 96, 96)));
        Assert.Equal(new Shape(10, 512), resnet.Get<Dense>("5.2").Weight.Shape);
        Assert.Equal(new Shape(128, 64, 1, 1), resnet.Get<Conv2D>("2.0.shortcut").Weight.Shape);
        Assert.Equal(11_178_378, resnet.CollectParams().Values.Where(p => !p.IsBuffer).Sum(p => (long)p.Shape.ElementCount));

        var dense = ModernCnns.DenseNet();
        dense.Initialize();
        Assert.Equal(new Shape(1, 10), dense.Build(new Shape(1, 1, 96, 96)));
        Assert.Equal(new Shape(10, 248), dense.Get<Dense>("8.4").Weight.Shape);   // 64 → 192 → 96 → 224 → 112 → 240 → 120 → 248
    }

    [Fact]
    public void ResNet18_trains_a_step_at_two_image_sizes_from_one_definition()
    {
        foreach (int side in new[] { 32, 64 })
        {
            Rng.Seed(17);
            var net = ModernCnns.ResNet18();
            net.Initialize(new Xavier());
            var trainer = new Trainer(net.CollectParams(), new Sgd(0.01f));
            var x = Tensor.RandomUniform(4, 1, side, side);
            var labels = Tensor.FromArray([0, 3, 5, 9], 4);
            var loss = new SoftmaxCrossEntropyLoss();
            float first = 0, last = 0;
            for (int step = 0; step < 4; step++)
            {
                Tensor l;
                using (Sprout.Autograd.Record()) l = loss.Forward(net.Forward(x), labels).Mean();
                l.Backward();
                trainer.Step(1);
                if (step == 0) first = l.Item();
                last = l.Item();
            }
            Assert.True(last < first, $"{side}×{side}: loss {first} → {last}");
            Assert.Empty(net.PendingParameters());
        }
    }

    /// <summary>The output shape after each top-level block for one image of <paramref name="side"/>×<paramref name="side"/>, and the learned parameter count.</summary>
    private static (string[] Shapes, long Parameters) Walk(Sequential net, int side)
    {
        net.Initialize();
        var shape = new Shape(1, 1, side, side);
        net.Build(shape);
        var shapes = net.Select(block => (shape = block.Build(shape)).ToString()).ToArray();
        return (shapes, net.CollectParams().Values.Where(p => !p.IsBuffer).Sum(p => (long)p.Shape.ElementCount));
    }

    // Shapes as the book prints them after each top-level block (d2l, "Modern Convolutional Neural Networks").
    public static TheoryData<string, int, string[], long> BookNetworks => new()
    {
        { "alexnet", 224, ["(1, 96, 54, 54)", "(1, 96, 26, 26)", "(1, 256, 26, 26)", "(1, 256, 12, 12)", "(1, 384, 12, 12)", "(1, 384, 12, 12)",
            "(1, 256, 12, 12)", "(1, 256, 5, 5)", "(1, 6400)", "(1, 4096)", "(1, 4096)", "(1, 4096)", "(1, 4096)", "(1, 10)"], 46_764_746 },
        { "vgg", 224, ["(1, 64, 112, 112)", "(1, 128, 56, 56)", "(1, 256, 28, 28)", "(1, 512, 14, 14)", "(1, 512, 7, 7)", "(1, 25088)",
            "(1, 4096)", "(1, 4096)", "(1, 4096)", "(1, 4096)", "(1, 10)"], 128_806_154 },
        { "nin", 224, ["(1, 96, 54, 54)", "(1, 96, 26, 26)", "(1, 256, 26, 26)", "(1, 256, 12, 12)", "(1, 384, 12, 12)", "(1, 384, 5, 5)",
            "(1, 384, 5, 5)", "(1, 10, 5, 5)", "(1, 10, 1, 1)", "(1, 10)"], 1_992_166 },
        { "googlenet", 96, ["(1, 64, 24, 24)", "(1, 192, 12, 12)", "(1, 480, 6, 6)", "(1, 832, 3, 3)", "(1, 1024)", "(1, 10)"], 5_977_530 },
        { "resnet18", 96, ["(1, 64, 24, 24)", "(1, 64, 24, 24)", "(1, 128, 12, 12)", "(1, 256, 6, 6)", "(1, 512, 3, 3)", "(1, 10)"], 11_178_378 },
        { "densenet", 96, ["(1, 64, 24, 24)", "(1, 192, 24, 24)", "(1, 96, 12, 12)", "(1, 224, 12, 12)", "(1, 112, 6, 6)", "(1, 240, 6, 6)",
            "(1, 120, 3, 3)", "(1, 248, 3, 3)", "(1, 10)"], 758_226 },
    };

    private static Sequential Make(string name) => name switch
    {
        "alexnet" => ModernCnns.AlexNet(),
        "vgg" => ModernCnns.Vgg(),
        "nin" => ModernCnns.NiN(),
        "googlenet" => ModernCnns.GoogLeNet(),
        "resnet18" => ModernCnns.ResNet18(),
        _ => ModernCnns.DenseNet(),
    };

    [Theory]
    [MemberData(nameof(BookNetworks))]
    public void Each_top_level_block_has_the_books_shape_and_the_network_the_explicit_parameter_count(string name, int side, string[] shapes, long parameters)
    {
        var (walked, count) = Walk(Make(name), side);
        Assert.Equal(shapes, walked);
        Assert.Equal(parameters, count);
    }

    [Fact]
    public void Written_with_every_size_given_AlexNet_and_NiN_have_the_same_parameters_as_inferred()
    {
        var explicitAlex = new Sequential
        {
            new Conv2D(96, 11, strides: 4, padding: 1, inChannels: 1, activation: Activation.Relu), new MaxPool2D(3, strides: 2),
            new Conv2D(256, 5, padding: 2, inChannels: 96, activation: Activation.Relu), new MaxPool2D(3, strides: 2),
            new Conv2D(384, 3, padding: 1, inChannels: 256, activation: Activation.Relu), new Conv2D(384, 3, padding: 1, inChannels: 384, activation: Activation.Relu),
            new Conv2D(256, 3, padding: 1, inChannels: 384, activation: Activation.Relu), new MaxPool2D(3, strides: 2),
            new Flatten(),
            new Dense(4096, Activation.Relu, inUnits: 6400), new Dropout(0.5f), new Dense(4096, Activation.Relu, inUnits: 4096), new Dropout(0.5f),
            new Dense(10, inUnits: 4096),
        };
        Sequential NinBlock(int channels, int inChannels, int kernel, int strides, int padding) => new()
        {
            new Conv2D(channels, kernel, strides: strides, padding: padding, inChannels: inChannels, activation: Activation.Relu),
            new Conv2D(channels, 1, inChannels: channels, activation: Activation.Relu),
            new Conv2D(channels, 1, inChannels: channels, activation: Activation.Relu),
        };
        var explicitNin = new Sequential
        {
            NinBlock(96, 1, 11, 4, 0), new MaxPool2D(3, strides: 2), NinBlock(256, 96, 5, 1, 2), new MaxPool2D(3, strides: 2),
            NinBlock(384, 256, 3, 1, 1), new MaxPool2D(3, strides: 2), new Dropout(0.5f), NinBlock(10, 384, 3, 1, 1),
            new GlobalAvgPool2D(), new Flatten(),
        };
        foreach (var (inferred, given) in new[] { (ModernCnns.AlexNet(), explicitAlex), (ModernCnns.NiN(), explicitNin) })
        {
            given.Initialize();
            var sizedUpFront = given.CollectParams().Select(p => (p.Key, p.Value.Shape)).ToArray();   // known before any input
            Assert.DoesNotContain(sizedUpFront, p => !p.Shape.IsKnown);
            Walk(inferred, 224);
            Assert.Equal(sizedUpFront, inferred.CollectParams().Select(p => (p.Key, p.Value.Shape)).ToArray());
        }
    }

    /// <summary>
    /// VGG-11, GoogLeNet, ResNet-18 and DenseNet written with every input size given, as PyTorch must: the inferred
    /// networks end up with the same parameters, name for name and shape for shape (so the counts above match too).
    /// </summary>
    [Theory]
    [InlineData("vgg", 224)]
    [InlineData("googlenet", 96)]
    [InlineData("resnet18", 96)]
    [InlineData("densenet", 96)]
    public void Written_with_every_size_given_the_other_networks_have_the_same_parameters_as_inferred(string name, int side)
    {
        var given = name switch
        {
            "vgg" => ExplicitVgg(),
            "googlenet" => ExplicitGoogLeNet(),
            "resnet18" => ExplicitResNet18(),
            _ => ExplicitDenseNet(),
        };
        given.Initialize();
        var sizedUpFront = given.CollectParams().Select(p => (p.Key, p.Value.Shape)).ToArray();
        Assert.DoesNotContain(sizedUpFront, p => !p.Shape.IsKnown);
        var inferred = Make(name);
        Walk(inferred, side);
        Assert.Equal(sizedUpFront, inferred.CollectParams().Select(p => (p.Key, p.Value.Shape)).ToArray());
    }

    private static Sequential ExplicitVgg()
    {
        var net = new Sequential();
        int inChannels = 1;
        foreach (var (convolutions, channels) in new[] { (1, 64), (1, 128), (2, 256), (2, 512), (2, 512) })
        {
            var block = new Sequential();
            for (int i = 0; i < convolutions; i++, inChannels = channels)
                block.Add(new Conv2D(channels, 3, padding: 1, inChannels: inChannels, activation: Activation.Relu));
            block.Add(new MaxPool2D(2, strides: 2));
            net.Add(block);
        }
        foreach (var layer in new Block[] { new Flatten(), new Dense(4096, Activation.Relu, inUnits: 25088), new Dropout(0.5f),
                     new Dense(4096, Activation.Relu, inUnits: 4096), new Dropout(0.5f), new Dense(10, inUnits: 4096) })
            net.Add(layer);
        return net;
    }

    private static Concurrent ExplicitInception(int inChannels, int c1, (int, int) c2, (int, int) c3, int c4) => new(axis: 1)
    {
        new Conv2D(c1, 1, inChannels: inChannels, activation: Activation.Relu),
        new Sequential
        {
            new Conv2D(c2.Item1, 1, inChannels: inChannels, activation: Activation.Relu),
            new Conv2D(c2.Item2, 3, padding: 1, inChannels: c2.Item1, activation: Activation.Relu),
        },
        new Sequential
        {
            new Conv2D(c3.Item1, 1, inChannels: inChannels, activation: Activation.Relu),
            new Conv2D(c3.Item2, 5, padding: 2, inChannels: c3.Item1, activation: Activation.Relu),
        },
        new Sequential { new MaxPool2D(3, strides: 1, padding: 1), new Conv2D(c4, 1, inChannels: inChannels, activation: Activation.Relu) },
    };

    private static Sequential ExplicitGoogLeNet() => new()
    {
        new Sequential { new Conv2D(64, 7, strides: 2, padding: 3, inChannels: 1, activation: Activation.Relu), new MaxPool2D(3, strides: 2, padding: 1) },
        new Sequential
        {
            new Conv2D(64, 1, inChannels: 64, activation: Activation.Relu), new Conv2D(192, 3, padding: 1, inChannels: 64, activation: Activation.Relu),
            new MaxPool2D(3, strides: 2, padding: 1),
        },
        new Sequential
        {
            ExplicitInception(192, 64, (96, 128), (16, 32), 32), ExplicitInception(256, 128, (128, 192), (32, 96), 64),
            new MaxPool2D(3, strides: 2, padding: 1),
        },
        new Sequential
        {
            ExplicitInception(480, 192, (96, 208), (16, 48), 64), ExplicitInception(512, 160, (112, 224), (24, 64), 64),
            ExplicitInception(512, 128, (128, 256), (24, 64), 64), ExplicitInception(512, 112, (144, 288), (32, 64), 64),
            ExplicitInception(528, 256, (160, 320), (32, 128), 128), new MaxPool2D(3, strides: 2, padding: 1),
        },
        new Sequential
        {
            ExplicitInception(832, 256, (160, 320), (32, 128), 128), ExplicitInception(832, 384, (192, 384), (48, 128), 128),
            new GlobalAvgPool2D(), new Flatten(),
        },
        new Dense(10, inUnits: 1024),
    };

    private static Residual ExplicitResidual(int inChannels, int channels, bool use1x1Shortcut = false, int strides = 1) => new(
        new Sequential
        {
            new Conv2D(channels, 3, strides: strides, padding: 1, inChannels: inChannels), new BatchNorm(inChannels: channels), new Relu(),
            new Conv2D(channels, 3, padding: 1, inChannels: channels), new BatchNorm(inChannels: channels),
        },
        shortcut: use1x1Shortcut ? new Conv2D(channels, 1, strides: strides, inChannels: inChannels) : null,
        activation: Activation.Relu);

    private static Sequential ExplicitResNet18()
    {
        var net = new Sequential
        {
            new Sequential
            {
                new Conv2D(64, 7, strides: 2, padding: 3, inChannels: 1), new BatchNorm(inChannels: 64), new Relu(), new MaxPool2D(3, strides: 2, padding: 1),
            },
            new Sequential { ExplicitResidual(64, 64), ExplicitResidual(64, 64) },
        };
        foreach (int channels in new[] { 128, 256, 512 })
            net.Add(new Sequential { ExplicitResidual(channels / 2, channels, use1x1Shortcut: true, strides: 2), ExplicitResidual(channels, channels) });
        net.Add(new Sequential { new GlobalAvgPool2D(), new Flatten(), new Dense(10, inUnits: 512) });
        return net;
    }

    /// <summary>A dense block with its convolutions' growing input channels written out (the library's infers them).</summary>
    private sealed class ExplicitDenseBlock : Block
    {
        private readonly List<Sequential> _convs = [];

        public ExplicitDenseBlock(int inChannels, int convolutions, int growthRate)
        {
            for (int i = 0; i < convolutions; i++, inChannels += growthRate)
                _convs.Add(new Sequential { new BatchNorm(inChannels: inChannels), new Relu(), new Conv2D(growthRate, 3, padding: 1, inChannels: inChannels) });
        }
    }

    private static Sequential ExplicitDenseNet()
    {
        var net = new Sequential
        {
            new Sequential
            {
                new Conv2D(64, 7, strides: 2, padding: 3, inChannels: 1), new BatchNorm(inChannels: 64), new Relu(), new MaxPool2D(3, strides: 2, padding: 1),
            },
        };
        int channels = 64;
        for (int i = 0; i < 4; i++)
        {
            net.Add(new ExplicitDenseBlock(channels, 4, 32));
            channels += 4 * 32;
            if (i == 3) continue;
            net.Add(new Sequential { new BatchNorm(inChannels: channels), new Relu(), new Conv2D(channels / 2, 1, inChannels: channels), new AvgPool2D(2, strides: 2) });
            channels /= 2;
        }
        net.Add(new Sequential { new BatchNorm(inChannels: channels), new Relu(), new GlobalAvgPool2D(), new Flatten(), new Dense(10, inUnits: channels) });
        return net;
    }
}
