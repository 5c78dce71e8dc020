using Sprout.Tests.Autograd;
using Sprout.Training;
using static Sprout.Tests.TestHelpers;

namespace Sprout.Tests.Training;

public class LossTests
{
    public LossTests() => Rng.Seed(11);

    [Fact]
    public void Softmax_cross_entropy_with_class_indices_matches_minus_log_softmax()
    {
        var logits = Tensor.FromArray([1f, 2f, 3f, 1000f, 0f, -1000f], 2, 3);
        var labels = Tensor.FromArray([2f, 1f], 2);
        var l = new SoftmaxCrossEntropyLoss().Forward(logits, labels);
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Close([(float)(lse - 3), 1000f], l, 1e-5f);
    }

    [Fact]
    public void Softmax_cross_entropy_with_one_hot_labels_equals_the_sparse_form()
    {
        var logits = Tensor.RandomNormal(4, 5);
        var sparse = Tensor.FromArray([0f, 4f, 2f, 2f], 4);
        var oneHot = Tensor.Zeros(4, 5);
        for (int i = 0; i < 4; i++) oneHot[i, (int)sparse[i]] = 1f;
        var loss = new SoftmaxCrossEntropyLoss();
        Close(loss.Forward(logits, sparse).ToArray(), loss.Forward(logits, oneHot));
    }

    [Fact]
    public void Softmax_cross_entropy_gradient() =>
        GradCheck.Assert(x => new SoftmaxCrossEntropyLoss().Forward(x[0], Tensor.FromArray([1f, 0f, 3f], 3)), Tensor.RandomNormal(3, 4));

    [Fact]
    public void Softmax_cross_entropy_rejects_bad_labels()
    {
        var loss = new SoftmaxCrossEntropyLoss();
        var e = Assert.Throws<ArgumentException>(() => loss.Forward(Tensor.Zeros(2, 3), Tensor.FromArray([0f, 3f], 2)));
        Assert.Contains("label 3", e.Message);
        Assert.Throws<ArgumentException>(() => loss.Forward(Tensor.Zeros(2, 3), Tensor.FromArray([0f, 1.5f], 2)));
        e = Assert.Throws<ArgumentException>(() => loss.Forward(Tensor.Zeros(2, 3), Tensor.Zeros(3)));
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void L2_and_L1_per_sample()
    {
        var p = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var y = Tensor.FromArray([0f, 0f, 3f, 6f], 2, 2);
        Close([(0.5f * 1 + 0.5f * 4) / 2, (0 + 0.5f * 4) / 2], new L2Loss().Forward(p, y));
        Close([1.5f, 1f], new L1Loss().Forward(p, y));
        GradCheck.Assert(x => new L2Loss().Forward(x[0], x[1]), Tensor.RandomNormal(3, 2), Tensor.RandomNormal(3, 2));
    }

    [Fact]
    public void Sigmoid_binary_cross_entropy_is_stable_and_matches_the_definition()
    {
        var x = Tensor.FromArray([0f, 2f, -3f, 500f], 4, 1);
        var z = Tensor.FromArray([1f, 0f, 1f, 0f], 4, 1);
        var l = new SigmoidBinaryCrossEntropyLoss().Forward(x, z);
        static float Bce(float x, float z) => -(z * MathF.Log(1 / (1 + MathF.Exp(-x))) + (1 - z) * MathF.Log(1 - 1 / (1 + MathF.Exp(-x))));
        Close([Bce(0, 1), Bce(2, 0), Bce(-3, 1), 500f], l, 1e-4f);
        var p = Tensor.FromArray([0.5f, 0.9f], 2, 1);
        Close([MathF.Log(2), -MathF.Log(0.1f)], new SigmoidBinaryCrossEntropyLoss(fromSigmoid: true).Forward(p, Tensor.FromArray([1f, 0f], 2, 1)), 1e-4f);
        GradCheck.Assert(t => new SigmoidBinaryCrossEntropyLoss().Forward(t[0], Tensor.FromArray([1f, 0f, 0.3f], 3)), Tensor.RandomNormal(3));
    }
}
