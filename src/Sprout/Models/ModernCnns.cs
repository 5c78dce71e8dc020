using Sprout.Nn;

namespace Sprout.Models;

/// <summary>
/// The book's "Modern Convolutional Neural Networks", each written once with no size but its own (channels per layer,
/// classes): every input channel count and every Dense input is inferred from the image, so the same definition runs
/// on Fashion-MNIST resized to 224×224 or 96×96, on one channel or three.
/// </summary>
public static class ModernCnns
{
    /// <summary>AlexNet (Krizhevsky et al.), the book's version; 224×224 inputs give its Dense a 6,400-feature input.</summary>
    public static Sequential AlexNet(int classes = 10) => new()
    {
        new Conv2D(96, 11, strides: 4, padding: 1, activation: Activation.Relu), new MaxPool2D(3, strides: 2),
        new Conv2D(256, 5, padding: 2, activation: Activation.Relu), new MaxPool2D(3, strides: 2),
        new Conv2D(384, 3, padding: 1, activation: Activation.Relu), new Conv2D(384, 3, padding: 1, activation: Activation.Relu),
        new Conv2D(256, 3, padding: 1, activation: Activation.Relu), new MaxPool2D(3, strides: 2),
        new Flatten(),
        new Dense(4096, Activation.Relu), new Dropout(0.5f), new Dense(4096, Activation.Relu), new Dropout(0.5f),
        new Dense(classes),
    };

    /// <summary>VGG: blocks of (convolutions, channels), each 3×3 convolutions then a 2×2 max pool; VGG-11 by default.</summary>
    public static Sequential Vgg(IEnumerable<(int Convolutions, int Channels)>? architecture = null, int classes = 10)
    {
        var net = new Sequential();
        foreach (var (convolutions, channels) in architecture ?? [(1, 64), (1, 128), (2, 256), (2, 512), (2, 512)])
        {
            var block = new Sequential();
            for (int i = 0; i < convolutions; i++) block.Add(new Conv2D(channels, 3, padding: 1, activation: Activation.Relu));
            block.Add(new MaxPool2D(2, strides: 2));
            net.Add(block);
        }
        foreach (var layer in new Block[] { new Flatten(), new Dense(4096, Activation.Relu), new Dropout(0.5f), new Dense(4096, Activation.Relu), new Dropout(0.5f), new Dense(classes) })
            net.Add(layer);
        return net;
    }

    /// <summary>A NiN block: a convolution, then two 1×1 convolutions acting as per-pixel dense layers.</summary>
    public static Sequential NinBlock(int channels, Size2 kernelSize, Size2 strides, Size2 padding) => new()
    {
        new Conv2D(channels, kernelSize, strides: strides, padding: padding, activation: Activation.Relu),
        new Conv2D(channels, 1, activation: Activation.Relu),
        new Conv2D(channels, 1, activation: Activation.Relu),
    };

    /// <summary>Network in Network (Lin et al.): NiN blocks, global average pooling, no dense layer.</summary>
    public static Sequential NiN(int classes = 10) => new()
    {
        NinBlock(96, 11, 4, 0), new MaxPool2D(3, strides: 2),
        NinBlock(256, 5, 1, 2), new MaxPool2D(3, strides: 2),
        NinBlock(384, 3, 1, 1), new MaxPool2D(3, strides: 2), new Dropout(0.5f),
        NinBlock(classes, 3, 1, 1), new GlobalAvgPool2D(), new Flatten(),
    };

    /// <summary>
    /// An Inception block: 1×1 convolutions (c1); 1×1 then 3×3 (c2); 1×1 then 5×5 (c3); 3×3 max pool then 1×1 (c4);
    /// concatenated on the channels. Its input channels are inferred by each branch.
    /// </summary>
    public static Concurrent Inception(int c1, (int, int) c2, (int, int) c3, int c4) => new(axis: 1)
    {
        new Conv2D(c1, 1, activation: Activation.Relu),
        new Sequential { new Conv2D(c2.Item1, 1, activation: Activation.Relu), new Conv2D(c2.Item2, 3, padding: 1, activation: Activation.Relu) },
        new Sequential { new Conv2D(c3.Item1, 1, activation: Activation.Relu), new Conv2D(c3.Item2, 5, padding: 2, activation: Activation.Relu) },
        new Sequential { new MaxPool2D(3, strides: 1, padding: 1), new Conv2D(c4, 1, activation: Activation.Relu) },
    };

    /// <summary>GoogLeNet (Szegedy et al.), the book's version: five stages, nine Inception blocks, global pooling.</summary>
    public static Sequential GoogLeNet(int classes = 10) => new()
    {
        new Sequential { new Conv2D(64, 7, strides: 2, padding: 3, activation: Activation.Relu), new MaxPool2D(3, strides: 2, padding: 1) },
        new Sequential
        {
            new Conv2D(64, 1, activation: Activation.Relu), new Conv2D(192, 3, padding: 1, activation: Activation.Relu),
            new MaxPool2D(3, strides: 2, padding: 1),
        },
        new Sequential { Inception(64, (96, 128), (16, 32), 32), Inception(128, (128, 192), (32, 96), 64), new MaxPool2D(3, strides: 2, padding: 1) },
        new Sequential
        {
            Inception(192, (96, 208), (16, 48), 64), Inception(160, (112, 224), (24, 64), 64), Inception(128, (128, 256), (24, 64), 64),
            Inception(112, (144, 288), (32, 64), 64), Inception(256, (160, 320), (32, 128), 128), new MaxPool2D(3, strides: 2, padding: 1),
        },
        new Sequential { Inception(256, (160, 320), (32, 128), 128), Inception(384, (192, 384), (48, 128), 128), new GlobalAvgPool2D(), new Flatten() },
        new Dense(classes),
    };

    /// <summary>
    /// A ResNet block: two 3×3 convolutions with batch norm, added to the input — through a 1×1 convolution when the
    /// block changes the channels or (with <paramref name="strides"/> 2) the resolution — then ReLU.
    /// </summary>
    public static Residual ResidualBlock(int channels, bool use1x1Shortcut = false, int strides = 1) => new(
        new Sequential
        {
            new Conv2D(channels, 3, strides: strides, padding: 1), new BatchNorm(), new Relu(),
            new Conv2D(channels, 3, padding: 1), new BatchNorm(),
        },
        shortcut: use1x1Shortcut ? new Conv2D(channels, 1, strides: strides) : null,
        activation: Activation.Relu);

    /// <summary>ResNet-18 (He et al.), the book's version: a 7×7 stem, four stages of two residual blocks, global pooling.</summary>
    public static Sequential ResNet18(int classes = 10)
    {
        var net = new Sequential
        {
            new Sequential { new Conv2D(64, 7, strides: 2, padding: 3), new BatchNorm(), new Relu(), new MaxPool2D(3, strides: 2, padding: 1) },
        };
        foreach (var (channels, first) in new[] { (64, true), (128, false), (256, false), (512, false) })
            net.Add(new Sequential { first ? ResidualBlock(channels) : ResidualBlock(channels, use1x1Shortcut: true, strides: 2), ResidualBlock(channels) });
        net.Add(new Sequential { new GlobalAvgPool2D(), new Flatten(), new Dense(classes) });
        return net;
    }

    /// <summary>DenseNet (Huang et al.), the book's version: dense blocks of 4 convolutions (growth 32) with transitions.</summary>
    public static Sequential DenseNet(int classes = 10, int growthRate = 32, int[]? convolutionsPerBlock = null)
    {
        var blocks = convolutionsPerBlock ?? [4, 4, 4, 4];
        var net = new Sequential
        {
            new Sequential { new Conv2D(64, 7, strides: 2, padding: 3), new BatchNorm(), new Relu(), new MaxPool2D(3, strides: 2, padding: 1) },
        };
        int channels = 64;
        for (int i = 0; i < blocks.Length; i++)
        {
            net.Add(new DenseBlock(blocks[i], growthRate));
            channels += blocks[i] * growthRate;
            if (i == blocks.Length - 1) continue;
            channels /= 2;
            net.Add(TransitionBlock(channels));
        }
        net.Add(new Sequential { new BatchNorm(), new Relu(), new GlobalAvgPool2D(), new Flatten(), new Dense(classes) });
        return net;
    }

    /// <summary>A DenseNet transition: batch norm, ReLU, a 1×1 convolution to <paramref name="channels"/>, 2×2 average pooling.</summary>
    public static Sequential TransitionBlock(int channels) => new()
    {
        new BatchNorm(), new Relu(), new Conv2D(channels, 1), new AvgPool2D(2, strides: 2),
    };
}
