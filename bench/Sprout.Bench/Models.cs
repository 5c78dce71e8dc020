using Sprout.Nn;

namespace Sprout.Bench;

/// <summary>The book's networks, written without input sizes, as the samples define them.</summary>
internal static class Models
{
    public static Sequential Mlp() => new() { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };

    public static Sequential BookLeNet() => new()
    {
        new Conv2D(6, kernelSize: 5, padding: 2, activation: Activation.Sigmoid), new AvgPool2D(2, strides: 2),
        new Conv2D(16, kernelSize: 5, activation: Activation.Sigmoid), new AvgPool2D(2, strides: 2),
        new Flatten(), new Dense(120, Activation.Sigmoid), new Dense(84, Activation.Sigmoid), new Dense(10),
    };

    public static Sequential ModernLeNet() => new()
    {
        new Conv2D(6, kernelSize: 5, padding: 2), new BatchNorm(), new Relu(), new MaxPool2D(2, strides: 2),
        new Conv2D(16, kernelSize: 5), new BatchNorm(), new Relu(), new MaxPool2D(2, strides: 2),
        new Flatten(), new Dense(120), new BatchNorm(), new Relu(), new Dense(84), new BatchNorm(), new Relu(), new Dense(10),
    };
}
