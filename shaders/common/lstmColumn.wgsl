// What the LSTM's two transports (lstmTransport.wgsl, lstmDense.wgsl) share: unit j's local derivatives,
// which lstmForward.wgsl wrote to the state record, and the end of a column.
struct LstmLocal {
  i: f32,
  f: f32,
  g: f32,
  o: f32,
  beta: f32,
  forget: f32,
}

fn lstmLocal(lb: u32, j: u32) -> LstmLocal {
  return LstmLocal(state[lb + L_I * N + j], state[lb + L_F * N + j], state[lb + L_G * N + j], state[lb + L_O * N + j],
                   state[lb + L_BETA * N + j], state[lb + L_FORGET * N + j]);
}

// Column c of unit j, given its transported P^c_t[j,c] and the P^h_t[j,c] part without the c -> h term:
// adds the immediate terms (only unit j's four gate rows touch row j of P), writes P^c_t and
// P^h_t = ph + β P^c_t.
fn finishColumn(sb: u32, j: u32, c: u32, d: LstmLocal, pcIn: f32, phIn: f32, rowC: u32, rowH: u32) {
  var pc = pcIn;
  var ph = phIn;
  // which row of θ column c belongs to, and its ĥ entry
  var row: u32;
  var hv: f32;
  if (c < TH_WX) {
    row = c / N;
    hv = state[sb + ST_HPREV + c % N];
  } else if (c < TH_B) {
    row = (c - TH_WX) / M;
    hv = state[sb + ST_X + (c - TH_WX) % M];
  } else {
    row = c - TH_B;
    hv = 1.0;
  }
  if (row == j) { pc += d.i * hv; }
  else if (row == N + j) { pc += d.f * hv; }
  else if (row == 2u * N + j) { pc += d.g * hv; }
  else if (row == 3u * N + j) { ph += d.o * hv; }
  pOut[rowC + c] = pc;
  pOut[rowH + c] = ph + d.beta * pc;
}
