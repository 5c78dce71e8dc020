using Sprout.Init;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.Autograd;

/// <summary>
/// Backward recycles the large arrays of the gradients and scratch tensors it creates (StoragePool); these tests pin
/// down that it never recycles one something still refers to, and that a steady-state training step takes its
/// gradients' arrays from the pool instead of allocating.
/// </summary>
public class StorageRecyclingTests
{
    private const int Large = StoragePool.MinLength * 2;

    [Fact]
    public void The_pool_hands_back_a_returned_array_cleared_when_asked()
    {
        var array = StoragePool.Rent(Large + 7, clear: false);
        array.AsSpan().Fill(3f);
        StoragePool.Return(array);
        var again = StoragePool.Rent(Large + 7, clear: true);
        Assert.Same(array, again);
        Assert.All(again, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Backward_leaves_forward_tensors_the_caller_holds_intact()
    {
        var x = Tensor.RandomUniform(new Shape(Large), -1f, 1f);
        x.AttachGrad();
        Tensor hidden, loss;
        using (Sprout.Autograd.Record())
        {
            hidden = (x * 2f).Relu();
            loss = (hidden * 3f).Sum();
        }
        var kept = hidden.ToArray();
        loss.Backward();
        for (int i = 0; i < 3; i++)   // later passes rent whatever the first one gave back, and write over it
        {
            Tensor other;
            using (Sprout.Autograd.Record()) other = (x * 5f).Sigmoid().Sum();
            other.Backward();
        }
        Assert.Equal(kept, hidden.ToArray());
    }

    [Fact]
    public void A_gradient_shared_by_two_inputs_or_viewed_by_a_reshape_is_not_recycled_early()
    {
        var a = Tensor.RandomUniform(new Shape(Large), -1f, 1f);
        a.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = ((a + a).Reshape(2, -1) * 1.5f + a.Reshape(2, -1)).Sum();
        y.Backward();
        Assert.All(a.Grad().ToArray(), g => Assert.Equal(4f, g));
    }

    [Fact]
    public void Gradients_match_a_network_run_without_any_recycled_storage()
    {
        static float[] Gradient(int warmSteps)
        {
            Rng.Seed(11);
            var net = new Sequential { new Dense(256, Activation.Sigmoid), new Dense(10) };
            net.Initialize(new Xavier());
            var x = Tensor.RandomUniform(128, 200);
            var y = Tensor.FromArray([.. Enumerable.Range(0, 128).Select(i => (float)(i % 10))], 128);
            var loss = new SoftmaxCrossEntropyLoss();
            for (int s = 0; s <= warmSteps; s++)
            {
                Tensor l;
                using (Sprout.Autograd.Record()) l = loss.Forward(net.Forward(x), y).Sum();
                l.Backward();
            }
            return net.CollectParams().First().Value.Grad().ToArray();
        }
        Assert.Equal(Gradient(0), Gradient(3));
    }

    [Fact]
    public void A_steady_state_training_step_takes_its_activation_and_gradients_from_the_pool()
    {
        Rng.Seed(5);
        var net = new Sequential { new Dense(256, Activation.Relu), new Dense(10) };
        net.Initialize(new Normal(0.01f));
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        var x = Tensor.RandomUniform(256, 784);
        var y = Tensor.FromArray([.. Enumerable.Range(0, 256).Select(i => (float)(i % 10))], 256);
        var loss = new SoftmaxCrossEntropyLoss();
        void Step()
        {
            Tensor l;
            using (Sprout.Autograd.Record()) l = loss.Forward(net.Forward(x), y).Sum();
            l.Backward();
            trainer.Step(256);
        }
        long allocated = AllocatedBySteadyStep(Step);
        // Without recycling a step allocates the activation, its gradient, the ReLU gradient and the 256x784 weight
        // gradient afresh (over 1.5 MB). Backward recycles its own arrays, and the hidden activation (an intermediate of
        // the Sequential) is released when the graph is freed, so only small objects are left to the GC.
        const int ActivationBytes = 256 * 256 * sizeof(float);
        Assert.True(allocated < ActivationBytes / 2, $"a steady-state step allocated {allocated:N0} bytes; one 256x256 activation is {ActivationBytes:N0}");
    }

    [Fact]
    public void An_lstm_step_recycles_its_state_sequence_though_its_final_state_is_a_view_the_loss_never_reads()
    {
        // The LSTM's op yields (h, c) for every step, (T, N, 2H); the layer returns a copy of the h half and takes its
        // final (h, c) through a view of the last step. The loss reads only the copy, so the graph never reaches that
        // view; the sequence's storage must still go back to the pool (it did not, and every step allocated it afresh:
        // 4.5 ms of page faults a step at T 35, N 32, H 256).
        const int T = 20, N = 16, H = 64;
        Rng.Seed(6);
        var lstm = new Lstm(H);
        lstm.Initialize(new Xavier());
        var trainer = new Trainer(lstm.CollectParams(), new Sgd(0.01f));
        var x = Tensor.RandomUniform(T, N, 8);
        void Step()
        {
            using (Sprout.Autograd.Record()) lstm.Forward(x).Output.Sum().Backward();
            trainer.Step(1);
        }
        long allocated = AllocatedBySteadyStep(Step);
        // The output (T, N, H) is the caller's, a fresh array each step; the (T, N, 2H) sequence must not be.
        const int SequenceBytes = T * N * 2 * H * sizeof(float);
        Assert.True(allocated < SequenceBytes, $"a steady-state LSTM step allocated {allocated:N0} bytes; the state sequence alone is {SequenceBytes:N0}");
        // ...and went back once: the sequence and its view are released together, and a second return would hand one
        // array to two tensors.
        var (first, second) = (StoragePool.Rent(T * N * 2 * H, clear: false), StoragePool.Rent(T * N * 2 * H, clear: false));
        Assert.NotSame(first, second);

        // What the layer hands the caller survives the recycling: the final state read after later steps reused the pool.
        Tensor output, h, c;
        using (Sprout.Autograd.Record())
        {
            var result = lstm.Forward(x);
            (output, h, c) = (result.Output, result.State.H, result.State.C);
            output.Sum().Backward();
        }
        var (kept, keptH, keptC) = (output.ToArray(), h.ToArray(), c.ToArray());
        for (int i = 0; i < 2; i++) Step();
        Assert.Equal(kept, output.ToArray());
        Assert.Equal(keptH, h.ToArray());
        Assert.Equal(keptC, c.ToArray());
        Assert.Equal(kept.AsSpan((T - 1) * N * H, N * H).ToArray(), keptH);   // the final h is the last step's output
    }

    [Fact]
    public void A_gru_final_state_handed_out_as_a_view_of_its_output_survives_later_steps()
    {
        const int T = 20, N = 16, H = 64;
        Rng.Seed(8);
        var gru = new Gru(H);
        gru.Initialize(new Xavier());
        var trainer = new Trainer(gru.CollectParams(), new Sgd(0.01f));
        var x = Tensor.RandomUniform(T, N, 8);
        Tensor output, state;
        using (Sprout.Autograd.Record())
        {
            (output, state) = gru.Forward(x, null);
            output.Sum().Backward();
        }
        var (kept, keptState) = (output.ToArray(), state.ToArray());
        for (int i = 0; i < 3; i++)
        {
            using (Sprout.Autograd.Record()) gru.Forward(x, null).Output.Sum().Backward();
            trainer.Step(1);
        }
        Assert.Equal(kept, output.ToArray());
        Assert.Equal(keptState, state.ToArray());
        Assert.Equal(kept.AsSpan((T - 1) * N * H, N * H).ToArray(), keptState);
    }

    [Fact]
    public void Attention_recycles_its_weights_though_the_loss_reads_only_its_output()
    {
        // The fused attention records its weights (B, heads, T, T) as well as its output; a loss on the output never
        // reaches them, and they went to the GC every step (16 MB a step in the Transformer bench).
        const int B = 4, T = 128, D = 32, Heads = 2;
        Rng.Seed(7);
        var attention = new MultiHeadAttention(Heads);
        attention.Initialize(new Xavier());
        var trainer = new Trainer(attention.CollectParams(), new Sgd(0.01f));
        var x = Tensor.RandomUniform(B, T, D);
        void Step()
        {
            using (Sprout.Autograd.Record()) attention.Forward(x, x, x).Sum().Backward();
            trainer.Step(1);
        }
        long allocated = AllocatedBySteadyStep(Step);
        const int WeightsBytes = B * Heads * T * T * sizeof(float);
        Assert.True(allocated < WeightsBytes / 2, $"a steady-state attention step allocated {allocated:N0} bytes; its weights are {WeightsBytes:N0}");
    }

    [Fact]
    public void Release_gives_a_temporary_storage_back_and_reading_it_afterwards_is_a_clear_error()
    {
        var x = Tensor.RandomUniform(new Shape(Large + 11), -1f, 1f);
        var y = x * 2f;   // a fresh pooled array
        var storage = y.Storage;
        y.Release();
        y.Release();   // twice: nothing more happens
        Assert.True(y.IsReleased);
        Assert.Same(storage, StoragePool.Rent(Large + 11, clear: false));
        var e = Assert.Throws<InvalidOperationException>(() => y.ToArray());
        Assert.Contains("Release()", e.Message);
        Assert.Contains("Clone()", e.Message);
    }

    [Fact]
    public void Released_views_give_the_storage_back_only_once_the_owner_and_every_view_are_released()
    {
        const int Rows = Large + 13;   // a size no other test rents (the pool is shared)
        var x = Tensor.RandomUniform(new Shape(2, Rows), -1f, 1f);
        var y = x + 1f;
        var storage = y.Storage;
        var view = y.Reshape(Rows, 2);
        y.Release();
        Assert.Equal(x.ToArray().Select(v => v + 1f), view.ToArray());   // the view still reads the storage
        Assert.NotSame(storage, StoragePool.Rent(2 * Rows, clear: false));
        view.Release();
        Assert.Same(storage, StoragePool.Rent(2 * Rows, clear: false));
    }

    [Fact]
    public void Release_refuses_a_parameter_and_a_gradient_buffer_and_leaves_both_usable()
    {
        var net = new Dense(4);
        net.Initialize();
        var x = Tensor.RandomUniform(3, 5);
        using (Sprout.Autograd.Record()) net.Forward(x).Sum().Backward();
        var weight = net.Weight.Data();
        var e = Assert.Throws<InvalidOperationException>(weight.Release);
        Assert.Contains("parameter", e.Message);
        Assert.Throws<InvalidOperationException>(net.Weight.Grad().Release);
        Assert.False(weight.IsReleased);
        Assert.Equal(new Shape(3, 4), net.Forward(x).Shape);
    }

    [Fact]
    public void A_backward_pass_that_needs_a_released_tensor_says_so()
    {
        var x = Tensor.RandomUniform(new Shape(Large), -1f, 1f);
        x.AttachGrad();
        Tensor y, loss;
        using (Sprout.Autograd.Record())
        {
            y = x * 3f;
            loss = (y * y).Sum();   // the product's backward reads y
        }
        y.Release();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("Release()", e.Message);
    }

    /// <summary>Bytes this thread allocates in one call of <paramref name="step"/> after three warm-up calls.</summary>
    private static long AllocatedBySteadyStep(Action step)
    {
        for (int i = 0; i < 3; i++) step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        step();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_full_pool_drops_the_sizes_used_longest_ago_to_keep_what_is_returned_now()
    {
        long cap = StoragePool.MaxPooledBytes;
        int old = Large + 101, now = Large + 203;
        try
        {
            StoragePool.MaxPooledBytes = StoragePool.PooledBytes + 4L * old * sizeof(float);
            var stale = Enumerable.Range(0, 4).Select(_ => new float[old]).ToArray();
            foreach (var a in stale) StoragePool.Return(a);   // fills the pool with a size nobody asks for any more
            var fresh = new float[now];
            StoragePool.Return(fresh);
            Assert.Same(fresh, StoragePool.Rent(now, clear: false));
            Assert.True(StoragePool.PooledBytes <= StoragePool.MaxPooledBytes);
        }
        finally { StoragePool.MaxPooledBytes = cap; }
    }
}
