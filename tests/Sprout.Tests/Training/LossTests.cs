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

    [Fact]
    public void Softmax_cross_entropy_over_a_sequence_averages_each_samples_positions_with_classes_on_the_last_axis()
    {
        var logits = Tensor.RandomNormal(2, 3, 5);
        var labels = Tensor.FromArray([0f, 4, 2, 1, 1, 3], 2, 3);
        var l = new SoftmaxCrossEntropyLoss().Forward(logits, labels);
        Assert.Equal(new Shape(2), l.Shape);
        var flat = new SoftmaxCrossEntropyLoss().Forward(logits.Reshape(6, 5), labels.Reshape(6)).ToArray();   // by rows, checked above
        Close([(flat[0] + flat[1] + flat[2]) / 3, (flat[3] + flat[4] + flat[5]) / 3], l, 1e-5f);
        var probabilities = Tensor.OneHot(labels, 5);   // (2, 3, 5) one-hot rows give the same
        Close(l.ToArray(), new SoftmaxCrossEntropyLoss().Forward(logits, probabilities), 1e-5f);
        var e = Assert.Throws<ArgumentException>(() => new SoftmaxCrossEntropyLoss().Forward(logits, Tensor.Zeros(3, 2)));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(2, 3, 5)", e.Message);
    }

    [Fact]
    public void Sample_weights_multiply_each_elements_loss_before_the_mean_over_the_sample()
    {
        var prediction = Tensor.RandomNormal(2, 4);
        var label = Tensor.FromArray([1f, 0, 0, 1, 0, 1, 1, 0], 2, 4);
        var mask = Tensor.FromArray([1f, 1, 0, 0, 1, 1, 1, 1], 2, 4);
        var bce = new SigmoidBinaryCrossEntropyLoss();
        var x = prediction.ToArray(); var z = label.ToArray(); var m = mask.ToArray();
        var expected = new float[2];
        for (int i = 0; i < 8; i++)
            expected[i / 4] += m[i] * (MathF.Max(x[i], 0) - x[i] * z[i] + MathF.Log(1 + MathF.Exp(-MathF.Abs(x[i])))) / 4;   // the book's SigmoidBCELoss
        Close(expected, bce.Forward(prediction, label, mask), 1e-5f);
        Close(bce.Forward(prediction, label).ToArray(), bce.Forward(prediction, label, Tensor.Ones(2, 4)), 1e-6f);
        var perSample = new L2Loss().Forward(prediction, label, Tensor.FromArray([2f, 0f], 2, 1));   // (N, 1) weighs whole samples
        var plain = new L2Loss().Forward(prediction, label).ToArray();
        Close([2 * plain[0], 0f], perSample, 1e-6f);
        Close([2 * plain[0], 0f], new L2Loss().Forward(prediction, label, Tensor.FromArray([2f, 0f], 2, 1, 1)), 1e-6f);   // Gluon's trailing 1
    }

    [Fact]
    public void A_mask_over_sequence_positions_weights_the_softmax_cross_entropy_and_its_gradient()
    {
        var logits = Tensor.RandomNormal(2, 3, 4);
        var labels = Tensor.FromArray([0f, 1, 2, 3, 0, 1], 2, 3);
        var mask = Tensor.FromArray([1f, 1, 0, 1, 0, 0], 2, 3);
        var loss = new SoftmaxCrossEntropyLoss();
        var masked = loss.Forward(logits, labels, mask);
        var byValidLength = new MaskedSoftmaxCrossEntropyLoss().Forward(logits, labels, Tensor.FromArray([2f, 1f], 2));
        Close(byValidLength.ToArray(), masked, 1e-6f);   // the book's masked loss is this with a prefix mask
        GradCheck.Assert(t => loss.Forward(t[0], labels, mask), logits);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_element_wise_loss_are_refused_naming_both_shapes()
    {
        var prediction = Tensor.RandomNormal(3, 4);
        var label = Tensor.Zeros(3, 4);
        var e = Assert.Throws<ArgumentException>(() => new L1Loss().Forward(prediction, label, Tensor.Ones(3)));   // per sample is (3, 1)
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("(3, 4)", e.Message);
        Assert.Contains("(N, 1)", e.Message);
        Assert.Throws<ArgumentException>(() => new L1Loss().Forward(prediction, label, Tensor.Ones(2, 4)));
        var custom = Assert.Throws<NotSupportedException>(() => new Unweighted().Forward(prediction, label, Tensor.Ones(3, 4)));
        Assert.Contains("ComputeElementwise", custom.Message);
    }

    private sealed class Unweighted : Loss
    {
        protected override Tensor Compute(Tensor prediction, Tensor label) => (prediction - label).Abs().Sum(1);
    }
}
