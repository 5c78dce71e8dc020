using Sprout.Init;
using Sprout.Nn;

namespace Sprout.Tests.Autograd;

/// <summary>Backward's gradient-ready callback: each leaf once, as soon as its gradient is final, in the order the pass finishes them.</summary>
public class GradientReadyTests
{
    [Fact]
    public void Each_parameter_is_reported_once_with_its_final_gradient_last_layer_first()
    {
        Rng.Seed(4);
        var net = new Sequential { new Dense(8, Activation.Relu), new Dense(3) };
        net.Initialize(new Xavier());
        var x = Tensor.RandomUniform(new Shape(5, 6), -1, 1);
        Tensor Loss() { using (Sprout.Autograd.Record()) return (net.Forward(x) * net.Forward(x)).Sum(); }   // every weight used twice
        net.Forward(x);   // deferred: the first forward fills the parameters
        var parameters = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in net.CollectParams()) parameters[p.Data()] = name;
        var seen = new List<(string Name, float[] Gradient)>();
        Loss().Backward(null, leaf => seen.Add((parameters[leaf], leaf.Grad().ToArray())));

        Assert.Equal(["1.weight", "1.bias", "0.weight", "0.bias"], seen.Select(s => s.Name).Order(StringComparer.Ordinal).Reverse());
        Assert.True(seen.FindIndex(s => s.Name.StartsWith("1.", StringComparison.Ordinal)) < seen.FindIndex(s => s.Name.StartsWith("0.", StringComparison.Ordinal)),
            $"the last layer's gradients should be final first; got {string.Join(", ", seen.Select(s => s.Name))}");
        foreach (var (name, gradient) in seen)
            Assert.Equal(net.CollectParams()[name].Grad().ToArray(), gradient);   // what the callback read is what the pass left

        Loss().Backward();   // the same gradients without the callback
        foreach (var (name, gradient) in seen)
            Assert.Equal(net.CollectParams()[name].Grad().ToArray(), gradient);
    }

    [Fact]
    public void A_leaf_used_twice_is_reported_after_both_uses_and_add_leaves_see_the_sum()
    {
        var w = Tensor.FromArray([1f, 2f], 2);
        var a = Tensor.FromArray([1f, 1f], 2);
        var frozen = Tensor.FromArray([5f, 5f], 2);
        w.AttachGrad();
        a.AttachGrad(GradReq.Add);
        frozen.AttachGrad(GradReq.Null);
        var reported = new List<(Tensor Leaf, float[] Gradient)>();
        for (int pass = 0; pass < 2; pass++)
        {
            reported.Clear();
            Tensor y;
            using (Sprout.Autograd.Record()) y = ((w * 3f) + (w * w) + (a * 2f) + frozen).Sum();
            y.Backward(null, leaf => reported.Add((leaf, leaf.Grad().ToArray())));
        }
        Assert.Equal(2, reported.Count);   // not the frozen leaf
        Assert.Equal([5f, 7f], reported.Single(r => ReferenceEquals(r.Leaf, w)).Gradient);   // 3 + 2w, both uses in
        Assert.Equal([4f, 4f], reported.Single(r => ReferenceEquals(r.Leaf, a)).Gradient);   // Add: 2 from each pass
    }

    [Fact]
    public void An_exception_from_the_callback_ends_the_pass_and_propagates()
    {
        var w = Tensor.FromArray([1f, 2f], 2);
        w.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = (w * w).Sum();
        var thrown = Assert.Throws<InvalidOperationException>(() => y.Backward(null, _ => throw new InvalidOperationException("stop")));
        Assert.Equal("stop", thrown.Message);
        Assert.Equal([2f, 4f], w.Grad().ToArray());   // written before the callback ran
    }

    [Fact]
    public void A_leaf_that_is_the_head_itself_is_reported_too()
    {
        var w = Tensor.FromArray([1f, 2f], 2);
        w.AttachGrad();
        var reported = new List<Tensor>();
        w.Backward(Tensor.FromArray([3f, 4f], 2), reported.Add);
        Assert.Same(w, Assert.Single(reported));
        Assert.Equal([3f, 4f], w.Grad().ToArray());
    }
}
