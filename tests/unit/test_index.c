/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder until the module tests land */
int main(void);
int main(void)
{
	return 77;
}
